import type { PathLabel } from '../../heap/leaks.js';
import type { HeapObjectInfo } from '../../heap/summary.js';
import { formatBytes } from '../../units/format.js';
import { oneLine } from './summary.js';

/**
 * A retainer path, root first, one step per line:
 *   global /  @1
 *     .cache → Map @12
 *       <internal table> → (array) @13
 */
export function renderPathLines(path: PathLabel[], indent = '  ', maxSteps = Infinity): string[] {
  if (path.length === 0) return [`${indent}(not reachable from the GC roots)`];
  // Long paths keep their end: where the object is held matters more than how the
  // runtime's internals reach that holder.
  const skipped = Math.max(0, path.length - maxSteps);
  const head = skipped > 0 ? [`${indent}… ${skipped} steps from the GC roots to`] : [];
  return head.concat(path.slice(skipped).map((s, i) => {
    const pad = indent + '  '.repeat(i);
    const target = `${oneLine(s.className, 60)} @${s.id}`;
    return s.edge ? `${pad}${oneLine(s.edge, 60)} → ${target}` : `${pad}${target}`;
  }));
}

export function renderRetainerPaths(obj: HeapObjectInfo, paths: PathLabel[][], opts: { totalPaths: number }): string {
  const lines = [
    `${obj.className} @${obj.id}${obj.name && obj.name !== obj.className ? ` "${oneLine(obj.name, 60)}"` : ''} · ` +
      `self ${formatBytes(obj.selfBytes)} · retained ${formatBytes(obj.retainedBytes)}`,
  ];
  if (paths.length === 0) {
    lines.push('  not reachable from the GC roots (held only by weak references, or garbage the snapshot kept)');
    return lines.join('\n');
  }
  paths.forEach((path, i) => {
    lines.push(`retainer path ${i + 1} of ${paths.length}${i === 0 ? ' (shortest)' : ''}, ${path.length} steps:`);
    lines.push(...renderPathLines(path));
  });
  if (opts.totalPaths > paths.length) lines.push(`(${opts.totalPaths - paths.length} more direct retainers not shown; use --max-paths)`);
  return lines.join('\n');
}
