import type { Baseline } from '../../baseline/schema.js';
import { allocSitesOf, type AllocSitesRun } from '../../baseline/sections.js';
import { formatBytes, formatCount, formatPercent } from '../../units/format.js';
import { palette } from './color.js';
import { renderTable } from './table.js';

/** Rows of the sites table: enough to see where most bytes go, short enough to read. */
const ROWS = 10;

/**
 * --alloc-sites: the top sites of the first run by allocated bytes, with their share, per
 * step (a scenario) or per second, and the heaviest stack of the first; undefined when the
 * baseline has no sites section.
 */
export function renderAllocSites(b: Baseline, opts: { color: boolean }): string | undefined {
  const section = allocSitesOf(b);
  if (!section) return undefined;
  const c = palette(opts.color);
  const run = section.runs[0];
  const out: string[] = [];
  const interval = formatBytes(section.intervalBytes);
  if (!run || run.profiles === 0) {
    out.push(`${c.bold('Allocation sites')}: ${c.red('no profile')} (see the notes)`);
    return out.join('\n');
  }
  if (section.source === 'tracemalloc') return renderTracemallocSites(run, section.runs.length, opts.color);
  const perStep = run.steps > 0;
  const rows = run.top.slice(0, ROWS).map((s, i) => [
    String(i + 1),
    formatPercent(s.allocShare, 1),
    formatBytes(s.allocBytes),
    perStep ? `${formatBytes(s.allocBytes / run.steps)}/op` : run.seconds > 0 ? `${formatBytes(s.allocBytes / run.seconds)}/s` : '–',
    s.label,
  ]);
  const of = section.runs.length > 1 ? c.dim(` (run 1 of ${section.runs.length})`) : '';
  const profiles = run.profiles > 1 ? `, ${run.profiles} isolates` : '';
  out.push(
    renderTable({
      title: `Allocation sites: ${formatBytes(run.sampledBytes ?? 0)} sampled, 1 sample per ${interval} on average${profiles}${of}`,
      head: ['#', 'share', 'allocated', perStep ? 'per step' : 'per second', 'function (file:line where it starts)'],
      rows,
      alignRight: [0, 1, 2, 3],
      color: opts.color,
    }),
  );
  const top = run.top[0];
  if (top && top.stack.length > 1) out.push(c.dim(`  heaviest stack of #1: ${top.stack.slice(-6).join(' → ')}`));
  if (run.top.length > ROWS) out.push(c.dim(`  ${formatCount(run.top.length - ROWS)} more in the baseline (extra.allocSites), every stack in the samples file`));
  if (run.topInuse && run.inuseBytes !== undefined && run.topInuse.length === 0) {
    out.push(c.dim(`  in use at the end: nothing sampled (what is alive is under about one sample per ${interval})`));
  } else if (run.topInuse && run.inuseBytes !== undefined) {
    out.push(
      renderTable({
        title: `In use at the end (after memkit's GC): ${formatBytes(run.inuseBytes)} sampled`,
        head: ['#', 'share', 'in use', 'objects', 'function (file:line where it starts)'],
        rows: run.topInuse.slice(0, ROWS).map((s, i) => [String(i + 1), formatPercent(s.inuseShare, 1), formatBytes(s.inuseBytes), formatCount(Math.round(s.inuseObjects)), s.label]),
        alignRight: [0, 1, 2, 3],
        color: opts.color,
      }),
    );
  } else {
    out.push(c.dim('  in-use view: not measured (see the notes)'));
  }
  if (run.harvestMs !== undefined && run.harvests !== undefined && run.seconds > 0) {
    out.push(c.dim(`  sampler cost: ${formatCount(run.harvests)} harvests at GC, ${run.harvestMs.toFixed(1)} ms (${formatPercent(run.harvestMs / 1000 / run.seconds, 2)} of the window)`));
  }
  return out.join('\n');
}

/**
 * A Python program's sites (tracemalloc): the in-use view only, exact; the allocated view is
 * said to be not measured (CPython counts nothing per stack once a block is freed).
 */
function renderTracemallocSites(run: AllocSitesRun, runs: number, color: boolean): string {
  const c = palette(color);
  const out: string[] = [c.dim("Allocation sites: allocated view not measured (tracemalloc sees live blocks only)")];
  const of = runs > 1 ? c.dim(` (run 1 of ${runs})`) : '';
  const profiles = run.profiles > 1 ? `, ${run.profiles} processes` : '';
  if (!run.topInuse || run.inuseBytes === undefined) {
    out.push(c.dim('  in-use view: not measured (see the notes)'));
    return out.join('\n');
  }
  out.push(
    renderTable({
      title: `In use at the end (after memkit's gc.collect()): ${formatBytes(run.inuseBytes)} traced by tracemalloc, every block${profiles}${of}`,
      head: ['#', 'share', 'in use', 'blocks', 'function (file:line of its def)'],
      rows: run.topInuse.slice(0, ROWS).map((s, i) => [String(i + 1), formatPercent(s.inuseShare, 1), formatBytes(s.inuseBytes), formatCount(Math.round(s.inuseObjects)), s.label]),
      alignRight: [0, 1, 2, 3],
      color,
    }),
  );
  const top = run.topInuse[0];
  if (top && top.stack.length > 1) out.push(c.dim(`  heaviest stack of #1: ${top.stack.slice(-6).join(' → ')}`));
  if (run.ownBytes > 0) out.push(c.dim(`  memkit's agent's own live blocks, left out: ${formatBytes(run.ownBytes)}`));
  return out.join('\n');
}
