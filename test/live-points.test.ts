import { describe, expect, it } from 'vitest';
import { programLivePoints } from '../src/analyze/live-points.js';
import { isolateLeak } from '../src/analyze/stress-analysis.js';
import { addRecord, emptyRunData, type RunData } from '../src/samples/run-data.js';

/** A command's tree as the parent stores it: each agent's records tagged with its agentId. */
function tree(records: any[]): RunData {
  const data = emptyRunData();
  for (const r of records) addRecord(data, r);
  return data;
}
const hello = (agentId: number, tMs: number) => ({ type: 'hello', agentId, pid: 100 + agentId, tMs, mode: 'preload' });
const start = (agentId: number, tMs: number) => ({ type: 'mark', agentId, label: 'measure-start', tMs, steps: 0 });
const reading = (agentId: number, label: string, tMs: number, heap: number, ext = 0) =>
  ({ type: 'mark', agentId, label, tMs, steps: 0, heapUsedAfterGcBytes: heap, externalAfterGcBytes: ext });

describe("a command's live memory: its isolates' readings added up", () => {
  it('at each of the clock isolate’s readings, every isolate’s latest; the warm-up ends once every running isolate ended its own', () => {
    const data = tree([
      hello(1, 0), start(1, 0), reading(1, 'gc-checkpoint', 1, 900),
      hello(2, 50), start(2, 50), reading(2, 'gc-checkpoint', 51, 400),
      reading(1, 'warmup-end', 1000, 1000, 100),
      reading(2, 'warmup-end', 1050, 500, 10),
      reading(1, 'gc-checkpoint', 1250, 1100, 100),
      reading(2, 'gc-checkpoint', 1300, 600, 10),
      reading(1, 'gc-checkpoint', 1500, 1200, 100),
      // A worker that starts after the warm-up.
      hello(3, 1400), start(3, 1400), reading(3, 'gc-checkpoint', 1401, 50),
      reading(2, 'gc-checkpoint', 1550, 700, 10),
      reading(3, 'warmup-end', 1700, 300),
      reading(1, 'gc-checkpoint', 1750, 1300, 100),
      { type: 'done', agentId: 2, tMs: 1800, steps: 0, reason: 'exit', gcDesync: 0 },
      reading(3, 'gc-checkpoint', 1950, 450),
      reading(1, 'gc-checkpoint', 2000, 1400, 100),
    ]);
    const live = programLivePoints(data);
    // Agent 1 has the most readings: its times are the points; agent 2 warmed up last (1050).
    expect(live.warmupEndMs).toBe(1050);
    expect(live.points.map((p) => [p.tMs, p.liveBytes, p.heapBytes])).toEqual([
      [1250, 1100 + 100 + 500 + 10, 1600],
      [1500, 1200 + 100 + 600 + 10, 1800],
      // Agent 3 joined after the warm-up: what it grew since its own warm-up (nothing yet), not its size.
      [1750, 1300 + 100 + 700 + 10, 2000],
      [2000, 1400 + 100 + 150, 1550], // agent 2 ended; agent 3 grew 150
    ]);
  });

  it('a tree shutting down: the clock isolate’s last reading after its children went with it is not a point', () => {
    const data = tree([
      hello(1, 0), start(1, 0), hello(2, 5), start(2, 5),
      reading(1, 'warmup-end', 1000, 1000), reading(2, 'warmup-end', 1001, 500),
      reading(1, 'gc-checkpoint', 1250, 1000), reading(2, 'gc-checkpoint', 1251, 2500),
      reading(1, 'gc-checkpoint', 1500, 1000), reading(2, 'gc-checkpoint', 1501, 4500),
      // memkit's stop: the child ends first, the parent checkpoints once more, then ends.
      { type: 'done', agentId: 2, tMs: 1600, steps: 0, reason: 'exit', gcDesync: 0 },
      reading(1, 'gc-checkpoint', 1650, 1000),
      { type: 'done', agentId: 1, tMs: 1700, steps: 0, reason: 'exit', gcDesync: 0 },
    ]);
    // The warm-up ends at the child's (1001); the parent's 1650 reading, without the child, is cut.
    expect(programLivePoints(data).points.map((p) => [p.tMs, p.liveBytes])).toEqual([
      [1250, 1500],
      [1500, 3500],
    ]);
  });

  it('one agent at the top level (a scenario): its own marks', () => {
    const data = tree([
      { type: 'hello', pid: 1, tMs: 0, mode: 'scenario' },
      { type: 'mark', label: 'warmup-end', tMs: 10, steps: 100, heapUsedAfterGcBytes: 5, externalAfterGcBytes: 1 },
      { type: 'mark', label: 'gc-checkpoint', tMs: 20, steps: 200, heapUsedAfterGcBytes: 6, externalAfterGcBytes: 1 },
    ]);
    expect(programLivePoints(data)).toEqual({
      warmupEndMs: 10,
      points: [
        { tMs: 10, liveBytes: 6, heapBytes: 5, steps: 100 },
        { tMs: 20, liveBytes: 7, heapBytes: 6, steps: 200 },
      ],
    });
  });

  it("an isolate's own verdict comes only from its own checkpoints (none taken: none)", () => {
    const run = tree([hello(1, 0), start(1, 0)]).isolates.get(1)!;
    expect(isolateLeak(run, undefined)).toBeUndefined();
    const growing = tree([hello(1, 0), start(1, 0), ...Array.from({ length: 8 }, (_, i) => reading(1, i ? 'gc-checkpoint' : 'warmup-end', 1000 + i * 250, 10e6 + i * 2e6))]);
    expect(isolateLeak(growing.isolates.get(1)!, undefined)?.verdict).toBe('leak');
  });
});
