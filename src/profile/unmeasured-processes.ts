import { basename } from 'node:path';
import type { RunData } from '../samples/run-data.js';

/**
 * The Node processes of a command's tree that memkit's agent did not report from. Until
 * every process has its own agent channel (docs/process-tree.md), the GC and heap figures
 * describe only the process whose agent reported (for `npm start`, npm's own), while the
 * tree's RSS and CPU cover them all: the baseline must say so rather than let the figures
 * pass for the program's.
 */
export function unmeasuredNodeProcessesNote(data: RunData): string | undefined {
  const measured = data.hello?.pid;
  if (measured === undefined) return undefined;
  const others = data.processes.filter((p) => p.pid !== measured && isNode(p));
  if (others.length === 0) return undefined;
  // npm pads its retitled argv with spaces.
  const named = (p: { pid: number; argv: string[]; comm: string }) =>
    `${p.pid} (${(p.argv.length ? p.argv.join(' ') : p.comm).replace(/\s+/g, ' ').trim().slice(0, 80)})`;
  const self = data.processes.find((p) => p.pid === measured);
  return (
    `GC and heap figures describe process ${self ? named(self) : measured} only: ` +
    `${others.length} other Node process${others.length === 1 ? ' of the command is' : 'es of the command are'} not measured inside yet ` +
    `(${others.map(named).join(', ')}); the RSS and CPU figures cover the whole tree`
  );
}

function isNode(p: { comm: string; argv: string[] }): boolean {
  return p.comm === 'node' || /^node(js)?$/.test(basename(p.argv[0] ?? ''));
}
