import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { FIXTURES, readJson, runCli, tempDir, type CliResult } from './helpers/cli.js';

/**
 * `memkit gc-profile -- node --trace-gc prog.js`: a user's command is counted over its
 * whole life, so memkit's GC counts equal the lines V8's own --trace-gc printed for the
 * same process, and the start-up part (GCs before the program's first line: Node's and
 * memkit's preload) equals the trace lines printed before the program's first output line.
 * The child's stdout (trace lines and the program's output, in the order written) reaches
 * memkit's stderr.
 */

const APP = join(FIXTURES, 'apps', 'trace-gc-app.cjs');
const FIRST_LINE = 'trace-gc-app: first line';

interface Run {
  result: CliResult;
  baseline: any;
  out: string;
}

const tmp = tempDir();
const runs: Record<string, Run> = {};
const cases: Array<[string, string[], NodeJS.ProcessEnv?]> = [
  ['exits by itself', ['--', 'node', '--trace-gc', APP, '80']],
  // Long enough that the program is well under way before SIGTERM on a busy machine.
  ['stopped by --duration', ['--duration', '3s', '--', 'node', '--trace-gc', APP, 'forever']],
  ['exits by itself (fallback recorder)', ['--', 'node', '--trace-gc', APP, '80'], { MEMKIT_GC_HOOKS: '0' }],
];

beforeAll(async () => {
  for (const [label, args, env] of cases) {
    const out = join(tmp.path, `${label.replace(/\W+/g, '-')}.json`);
    const result = await runCli(['gc-profile', '--json', '--no-progress', '--out', out, ...args], { env });
    runs[label] = { result, baseline: result.code === 0 ? JSON.parse(result.stdout) : undefined, out };
    if (result.code === 0) expect(readJson(out).metrics).toEqual(runs[label]!.baseline.metrics);
  }
}, 120_000);
afterAll(() => tmp.cleanup());

const TRACE = /^\[(\d+):0x[0-9a-f]+\]\s+[\d.]+ ms: (Scavenge|Minor Mark-Compact|Mark-Compact)/;
const isMinor = (l: string) => /ms: (Scavenge|Minor Mark-Compact)/.test(l);
const isMajor = (l: string) => /ms: Mark-Compact/.test(l);

describe.each(cases.map(([label]) => label))('gc-profile -- node --trace-gc prog.js (%s)', (label) => {
  it('completes with the agent inside', () => {
    const { result, baseline } = runs[label]!;
    expect(result.code, result.stderr.slice(-2000)).toBe(0);
    expect(baseline.status).toBe('complete');
    expect(baseline.target).toMatchObject({ type: 'command', instrumented: true });
    expect(baseline.extra.runs[0].gcDesync).toBe(0);
  });

  it('counts every minor and major GC of the process, as --trace-gc prints them', () => {
    const { result, baseline } = runs[label]!;
    const lines = result.stderr.split('\n').filter((l) => TRACE.test(l));
    // One process, one isolate: every line is the program's.
    expect(new Set(lines.map((l) => TRACE.exec(l)![1])).size).toBe(1);
    // The fixture does what it is for: enough scavenges, and mark-compacts when it runs its course.
    expect(lines.filter(isMinor).length).toBeGreaterThanOrEqual(8);
    if (!label.startsWith('stopped')) expect(lines.filter(isMajor).length).toBeGreaterThanOrEqual(1);
    expect(baseline.metrics['gc.count.minor'].value).toBe(lines.filter(isMinor).length);
    expect(baseline.metrics['gc.count.major'].value).toBe(lines.filter(isMajor).length);
    const life = baseline.extra.runs[0].gcLifetimeCounts;
    expect(life.minor).toBe(lines.filter(isMinor).length);
    expect(life.major).toBe(lines.filter(isMajor).length);
  });

  it('shows the start-up GCs apart: those V8 printed before the program’s first line', () => {
    const { result, baseline } = runs[label]!;
    const all = result.stderr.split('\n');
    const first = all.indexOf(FIRST_LINE);
    expect(first).toBeGreaterThanOrEqual(0);
    const before = all.slice(0, first).filter((l) => TRACE.test(l));
    const startup = baseline.extra.runs[0].gcStartup;
    expect(startup.counts.minor).toBe(before.filter(isMinor).length);
    expect(startup.counts.major).toBe(before.filter(isMajor).length);
    // Part of the totals, not added to them.
    for (const kind of ['minor', 'major', 'incremental', 'weakcb']) {
      expect(startup.counts[kind]).toBeLessThanOrEqual(baseline.metrics[`gc.count.${kind}`].value);
    }
    expect(startup.pauseMs).toBeGreaterThanOrEqual(0);
    expect(startup.pauseMs).toBeLessThanOrEqual(baseline.metrics['gc.pause.total_ms'].value);
    if (before.length === 0) expect(startup.pauseMs).toBe(0);
    else expect(startup.pauseMs).toBeGreaterThan(0);
  });
});

describe('the GC table of a command', () => {
  it('has a line for the start-up GCs, included in "all"', async () => {
    const { result, baseline, out } = runs['exits by itself']!;
    expect(result.code).toBe(0);
    const r = await runCli(['report', out]);
    expect(r.code, r.stderr).toBe(0);
    const s = baseline.extra.runs[0].gcStartup.counts;
    const n = s.minor + s.major + s.incremental + s.weakcb;
    expect(r.stdout).toMatch(new RegExp(`of which before the program \\(start-up\\)\\s*│\\s*${n}\\s*│`));
  });
});
