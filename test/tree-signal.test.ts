import { describe, expect, it } from 'vitest';
import type { ProcessStat } from '../src/run/process-tree.js';
import { signalTree, type TreeSignalDeps } from '../src/run/tree-signal.js';

/** A scripted /proc: each walk returns the next tree; stats and kills go through `live`. */
function fakeProc(walks: Array<Array<[pid: number, ppid: number, startTicks: number, state?: string]> | undefined>) {
  const live = new Map<number, { startTicks: number; state: string }>();
  for (const walk of walks) for (const [pid, , startTicks, state] of walk ?? []) if (!live.has(pid)) live.set(pid, { startTicks, state: state ?? 'S' });
  const kills: string[] = [];
  let walk = 0;
  const deps: TreeSignalDeps = {
    readTree: () => walks[walk++]?.map(([pid, ppid, startTicks, state]): ProcessStat =>
      ({ pid, ppid, startTicks, state: state ?? 'S', comm: 'node', rssBytes: 0, cpuMs: 0, reapedChildrenCpuMs: 0 })),
    readStat: (pid) => live.get(pid),
    kill: (pid, signal) => {
      if (!live.has(pid)) throw Object.assign(new Error('kill ESRCH'), { code: 'ESRCH' });
      kills.push(`${signal} ${pid}`);
    },
  };
  return { deps, live, kills };
}

describe('signalTree', () => {
  it('signals children before their parents and the root last', () => {
    // npm(10) -> sh(11) -> node(12), npm(10) -> node(13); the walk lists parents first.
    const tree: Array<[number, number, number]> = [[10, 1, 100], [11, 10, 101], [13, 10, 103], [12, 11, 102]];
    const { deps, kills } = fakeProc([tree, tree]);
    expect(signalTree(10, 'SIGTERM', deps).map((p) => p.pid)).toEqual([12, 13, 11, 10]);
    expect(kills).toEqual(['SIGTERM 12', 'SIGTERM 13', 'SIGTERM 11', 'SIGTERM 10']);
  });

  it('skips a process whose pid now names another process, one that exited, and zombies', () => {
    const tree: Array<[number, number, number, string?]> = [[10, 1, 100], [11, 10, 101], [12, 10, 102, 'Z'], [13, 10, 103]];
    const { deps, live, kills } = fakeProc([tree, tree]);
    live.set(11, { startTicks: 999, state: 'S' }); // 11 exited and its pid was reused
    live.delete(13); // 13 exited between the walk and the signal
    expect(signalTree(10, 'SIGKILL', deps).map((p) => p.pid)).toEqual([10]);
    expect(kills).toEqual(['SIGKILL 10']);
  });

  it('treats ESRCH at the kill itself as already stopped', () => {
    const tree: Array<[number, number, number]> = [[10, 1, 100], [11, 10, 101]];
    const { deps, kills } = fakeProc([tree, tree]);
    const kill = deps.kill;
    deps.kill = (pid, signal) => {
      if (pid === 11) throw Object.assign(new Error('kill ESRCH'), { code: 'ESRCH' });
      kill(pid, signal);
    };
    expect(signalTree(10, 'SIGTERM', deps).map((p) => p.pid)).toEqual([10]);
    expect(kills).toEqual(['SIGTERM 10']);
  });

  it('signals a process forked between the walk and the signals, once', () => {
    const first: Array<[number, number, number]> = [[10, 1, 100], [11, 10, 101]];
    const second: Array<[number, number, number]> = [[10, 1, 100], [11, 10, 101], [14, 11, 104]];
    const { deps, kills } = fakeProc([first, second]);
    expect(signalTree(10, 'SIGTERM', deps).map((p) => p.pid)).toEqual([11, 10, 14]);
    expect(kills).toEqual(['SIGTERM 11', 'SIGTERM 10', 'SIGTERM 14']);
  });

  it('looks for new processes under the signalled ones that are alive when the root is gone', () => {
    const first: Array<[number, number, number]> = [[10, 1, 100], [11, 10, 101]];
    // Second walk: from the root, gone; then from 11, which forked 15 meanwhile.
    const { deps, live, kills } = fakeProc([first, undefined, [[11, 1, 101], [15, 11, 105]]]);
    const kill = deps.kill;
    deps.kill = (pid, signal) => {
      kill(pid, signal);
      if (pid === 10) live.delete(10); // the root exits at once
    };
    expect(signalTree(10, 'SIGTERM', deps).map((p) => p.pid)).toEqual([11, 10, 15]);
    expect(kills).toEqual(['SIGTERM 11', 'SIGTERM 10', 'SIGTERM 15']);
  });

  it('does nothing when the root is gone', () => {
    const { deps, kills } = fakeProc([undefined]);
    expect(signalTree(10, 'SIGTERM', deps)).toEqual([]);
    expect(kills).toEqual([]);
  });
});
