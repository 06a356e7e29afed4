import type { LeakReport } from '../../heap/leaks.js';
import { formatBytes, formatCount } from '../../units/format.js';
import { palette } from '../terminal/color.js';
import { renderPathLines } from './path.js';
import { renderTable } from '../terminal/table.js';

/** The leak finder's report: groups by retainer path (with paths), then by constructor. */
export function renderLeakReport(r: LeakReport, opts: { color: boolean; failOnBytes?: number; growingOnly: boolean }): string {
  const p = palette(opts.color);
  const lines: string[] = [];
  lines.push(p.bold('Leak candidates: allocated between BASE and TARGET, still alive in FINAL'));
  lines.push(p.dim(`  base ${r.base}\n  target ${r.target}\n  final ${r.final}`));
  if (r.matchedTargetCount === 0) {
    lines.push(p.yellow('  no object of FINAL exists in TARGET: the snapshots seem to come from different processes (ids are per process)'));
  }
  if (r.byPath.length === 0) {
    lines.push(p.green(`no leaks found${opts.growingOnly ? ' (no retainer path kept gaining objects)' : ''}`));
  } else {
    lines.push(
      `${formatCount(r.leakedCount)} leaked objects in ${formatCount(r.byPath.length + r.omittedPathGroups)} groups, ` +
        `retaining ${p.bold(formatBytes(r.leakedRetainedBytes))}`,
    );
    lines.push('');
    r.byPath.forEach((g, i) => {
      const classes = g.classes.map((c) => `${c.className} ×${formatCount(c.count)}`).join(', ');
      lines.push(
        p.bold(`#${i + 1} ${formatBytes(g.retainedBytes)} retained`) +
          ` · ${formatCount(g.rootCount)} × ${g.sample.className} · ${formatCount(g.leakedCount)} leaked objects (${classes})` +
          (g.growing ? p.yellow(' · still growing after TARGET') : ''),
      );
      lines.push(`  shortest path from the GC roots (sample @${g.sample.id}):`);
      lines.push(...renderPathLines(g.sample.path, '    ', 8));
    });
    if (r.omittedPathGroups > 0) lines.push(p.dim(`(${r.omittedPathGroups} more groups; use --limit)`));
    lines.push('');
    lines.push(
      renderTable({
        title: 'Leaked objects by constructor',
        head: ['Constructor', 'Count', 'Self size', 'Retained size', 'New after TARGET', 'Shortest path of the largest'],
        rows: r.byClass.map((c) => [
          c.className,
          formatCount(c.count),
          formatBytes(c.selfBytes),
          formatBytes(c.retainedBytes),
          formatCount(c.newerCount),
          shortPath(c.sample.path.map((s) => s.edge).join('') || '(root)', 70),
        ]),
        alignRight: [1, 2, 3, 4],
        color: opts.color,
      }),
    );
    if (r.omittedClasses > 0) lines.push(p.dim(`(${r.omittedClasses} more constructors; use --limit)`));
  }
  if (r.smallGroups.count > 0) {
    lines.push(
      p.dim(
        `${formatCount(r.smallGroups.count)} smaller or one-off groups not listed (${formatBytes(r.smallGroups.retainedBytes)} together; see --min-size${opts.growingOnly ? ', --all' : ''})`,
      ),
    );
  }
  if (opts.failOnBytes !== undefined) {
    const over = r.leakedRetainedBytes > opts.failOnBytes;
    lines.push(
      over
        ? p.red(`FAIL: leaked ${formatBytes(r.leakedRetainedBytes)} > --fail-on-leak ${formatBytes(opts.failOnBytes)}`)
        : p.green(`ok: leaked ${formatBytes(r.leakedRetainedBytes)} ≤ --fail-on-leak ${formatBytes(opts.failOnBytes)}`),
    );
  }
  return lines.join('\n');
}

/** Long paths keep their end (where the leak is held), not their start. */
function shortPath(text: string, max: number): string {
  return text.length > max ? `…${text.slice(text.length - max + 1)}` : text;
}

/** `leaks --json`: the report, the limit it was held to and whether it failed. */
export function renderLeakJson(r: LeakReport, opts: { failOnBytes?: number; failed: boolean }): string {
  return JSON.stringify({ ...r, failOnLeakBytes: opts.failOnBytes ?? null, failed: opts.failed }, null, 2);
}
