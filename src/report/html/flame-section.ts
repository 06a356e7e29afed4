import { allocSitesOfRun, type RunAllocSites } from '../../analyze/alloc-run.js';
import { flameDiffOf, flameGraphOf, flameMeasure, flameSide, type FlameDiff, type FlameMeasure } from '../../analyze/alloc-flame.js';
import type { ReportSide } from '../inputs.js';
import { formatBytes, formatPercent } from '../../units/format.js';
import { html, type SafeHtml } from './escape.js';
import { flameDiffData, flameGraphData, siteVerdictsByKey, type FlamePageData, type SiteVerdict } from './flame-data.js';

/**
 * The allocation flame graphs of a report (runs measured with --alloc-sites): the
 * allocated and the in-use view of one baseline, or, with two, the differential of the
 * current allocated view against the base. Drawn by flame-client.ts from #memkit-flame;
 * here: the panel's controls, the notes (views not measured, the cut, the colours) and
 * what is gone since base, as HTML.
 */

export interface FlameSection {
  html: SafeHtml;
  data: FlamePageData;
}

const MEASURE_WORDS: Record<FlameMeasure, string> = { per_op: 'bytes per step', per_s: 'bytes per second', raw: 'bytes sampled per run (each run a fixed amount of work)' };

function sitesOfSide(s: ReportSide): RunAllocSites[] {
  const out: RunAllocSites[] = [];
  for (const r of s.runs) {
    const sites = r.data ? allocSitesOfRun(r.data, s.baseline.command.cwd) : undefined;
    if (sites) out.push(sites);
  }
  return out;
}

export function buildFlameSection(sides: ReportSide[], siteVerdicts: readonly SiteVerdict[] = []): FlameSection | undefined {
  const runs = sides.map(sitesOfSide);
  const current = runs.at(-1)!;
  if (current.length === 0) return undefined;
  const notes: SafeHtml[] = [];
  const data: FlamePageData = { graphs: [] };
  const viewTitle = { allocated: 'allocated', inuse: 'in use' } as const;
  const one = flameSide(current, 'raw')!;
  const tracemalloc = current.every((s) => s.source === 'tracemalloc');
  const sampler = tracemalloc
    ? html`Traced by Python's tracemalloc: every live block, not sampled; a box is the def enclosing the allocating line`
    : html`Sampled by V8's heap profiler (${formatBytes(one.tree.intervalBytes)} interval)`;
  const cutShare = flameGraphOf(one.tree, one.tree.views[0] ?? 'allocated')?.cutShare ?? 0;
  for (const view of ['allocated', 'inuse'] as const) {
    const g = flameGraphOf(one.tree, view, { measure: 'raw' });
    if (g) data.graphs.push(flameGraphData(view, `${viewTitle[view]}${sides.length > 1 ? ' (current)' : ''}`, g));
    else if (view === 'allocated' && tracemalloc) notes.push(html`<li data-not-measured="allocated">allocated: not measured — Python's tracemalloc traces the blocks alive at a read and keeps no count of what was allocated and freed.</li>`);
    else notes.push(html`<li data-not-measured="${view}">${viewTitle[view]}: not measured in ${sides.length > 1 ? 'the current run' : 'this run'}${view === 'inuse' ? ' (no in-use profile was recorded)' : ''}.</li>`);
  }
  let diff: FlameDiff | undefined;
  if (sides.length > 1) {
    const base = runs[0]!;
    if (base.length === 0) notes.push(html`<li data-not-measured="base">differential: the baseline has no allocation profile (run it with --alloc-sites).</li>`);
    else {
      // The diff's own scale: a site's deciding figure is .bytes for a command that ended on its own.
      const fixedWork = sides.map((side) => Object.keys(side.baseline.metrics).some((n) => n.startsWith('alloc.site.') && n.endsWith('.bytes')));
      const measure = flameMeasure([base, current], { fixedWork });
      diff = flameDiffOf(flameSide(current, measure)!, flameSide(base, measure)!);
      if (diff) data.graphs.unshift(flameDiffData('diff', 'differential (allocated, current vs baseline)', diff, siteVerdictsByKey(siteVerdicts)));
      else notes.push(html`<li data-not-measured="diff">differential: the allocated view is not measured on both sides.</li>`);
    }
  }
  const measureNote = html`${one.runs > 1 ? ` The views show the mean of the ${one.runs} runs.` : ''}${diff ? ` The differential is in ${MEASURE_WORDS[diff.current.measure]}, each side the mean of its runs.` : ''}`;
  const legend = diff
    ? html`<p class="caption flame-legend">Differential, drawn on the current profile: each frame coloured by the change of its total (itself and all below it) against the baseline at the same stack.
      <span class="swatch" style="background:hsl(0 80% 58%)"></span> red: memkit diff found the site regressed;
      <span class="swatch" style="background:hsl(214 80% 58%)"></span> blue: improved;
      <span class="swatch" style="background:hsl(220 9% 72%)"></span> grey: unchanged (no evidence of a change).
      Pale tints: the site got no verdict (below the diff's share floor, too few runs for its test, or a frame that allocates nothing itself): coloured by its relative change only, and "no verdict" in its tooltip.</p>`
    : '';
  const gone = diff?.gone.length
    ? html`<div id="flame-gone"><h4>Gone since base</h4><ul>${diff.gone.map((g) => html`<li><span class="flame-stack">${g.stack.join(' → ')}</span> <span class="num">${formatBytes(g.baseBytes)}</span></li>`)}</ul></div>`
    : '';
  const section = html`<section id="flame" class="panel" data-graphs="${data.graphs.map((g) => g.id).join(' ')}">
  <h2>Where the memory is allocated</h2>
  <div class="flame-controls">
    <span class="flame-views" role="group" aria-label="view">${data.graphs.map((g) => html`<button type="button" data-flame-view="${g.id}">${g.title}</button>`)}</span>
    <button type="button" id="flame-reset">reset zoom</button>
    <label>search <input type="search" id="flame-search" placeholder="function or file" autocomplete="off"></label>
    <span id="flame-match" aria-live="polite"></span>
  </div>
  <div id="flame-graph" aria-label="flame graph"></div>
  <div id="flame-tip" role="tooltip" hidden></div>
  <p class="caption">Icicle graph, the root at the top: each box a function on the stack, its width its total (itself and everything it calls); click a box to zoom into it, click the top box (or reset) to go back. ${sampler}; boxes below ${formatPercent(cutShare, 1)} of the view's total are merged into "(other)".${measureNote}</p>
  ${legend}
  ${notes.length ? html`<ul class="flame-notes">${notes}</ul>` : ''}
  ${gone}
</section>`;
  return { html: section, data };
}
