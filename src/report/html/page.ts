import { loadReportAssets } from './assets.js';
import type { ChartDataOptions } from './chart-data.js';
import { buildReportData, renderCharts } from './charts-section.js';
import { renderSideBySide } from './compare-table.js';
import { html, jsonForScript, scriptSafe, trusted, type SafeHtml } from './escape.js';
import { renderExtraSections } from './extra.js';
import { renderHeapClasses } from './heap-classes.js';
import { renderProcessTable } from './process-table.js';
import type { ReportSide } from '../inputs.js';
import { REPORT_CSS } from './style.js';
import { renderHeader, renderWhatRan, sideLabel, targetTitle, type Verdict } from './summary.js';
import {
  renderAllMetrics,
  renderCustomTable,
  renderGcTable,
  renderKeyFigures,
  renderLatencyTable,
  renderMemoryTable,
  renderRatesTable,
} from './tables.js';
import { renderCompareFigures } from './compare-figures.js';
import { renderAssertions, renderLeakSection, renderPhases, stressVerdicts } from './stress.js';
import { alertVerdicts, renderAlertRules, sideAlerts } from './alerts.js';
import { buildFlameSection } from './flame-section.js';
import type { SiteVerdict } from './flame-data.js';

/**
 * The HTML report: one self-contained page (styles, uPlot, chart code and data inlined)
 * for one baseline, or two overlaid (baseline and current). The summary and the tables are
 * rendered here as HTML, readable without script; the charts are drawn by client.ts from
 * the inlined JSON.
 */

export interface ReportOptions {
  chart?: ChartDataOptions;
  /** Extra verdict badges, e.g. a diff's outcome. */
  verdicts?: Verdict[];
  /** Replaces the plain side-by-side metric table in a comparison (e.g. memkit diff's table). */
  compareTable?: SafeHtml;
  /** memkit diff's decisions on the site metrics (alloc.site.*): the differential flame graph's colours. */
  siteVerdicts?: readonly SiteVerdict[];
  generatedAt?: Date;
  memkitVersion?: string;
}

function renderNotes(sides: ReportSide[]): SafeHtml {
  const items: SafeHtml[] = [];
  sides.forEach((s, i) => {
    const who = sides.length > 1 ? `${sideLabel(i, sides.length)}: ` : '';
    for (const n of s.baseline.notes) items.push(html`<li>${who}${n}</li>`);
  });
  const tails = sides.flatMap((s, i) =>
    s.baseline.runs
      .filter((r) => r.stderrTail)
      .map((r) => html`<details class="stderr" open><summary>${sides.length > 1 ? `${sideLabel(i, sides.length)} ` : ''}run ${r.index + 1}: the child’s last stderr output</summary><pre>${r.stderrTail}</pre></details>`),
  );
  if (items.length === 0 && tails.length === 0) return html``;
  return html`<section id="notes" class="panel"><h2>Notes</h2>${items.length ? html`<ul>${items}</ul>` : ''}${tails}</section>`;
}

function renderTables(sides: ReportSide[], opts: ReportOptions, alerts: SafeHtml | undefined): SafeHtml {
  if (sides.length > 1) {
    const [base, current] = [sides[0]!.baseline, sides[1]!.baseline];
    const heap = [renderHeapClasses(base), renderHeapClasses(current)];
    return html`<section id="tables">
      <h2>Baseline → current</h2>
      ${opts.compareTable ?? renderSideBySide(base, current)}
      ${alerts}
      <div class="two-up">${sides.map((s, i) => html`<div>${[renderAssertions(s.baseline), renderLeakSection(s.baseline)].map((x) => (x ? html`<h4>${sideLabel(i, sides.length)}</h4>${x}` : ''))}</div>`)}</div>
      ${heap[0] || heap[1] ? html`<div class="two-up"><div><h4>baseline</h4>${heap[0]}</div><div><h4>current</h4>${heap[1]}</div></div>` : ''}
      ${sides.map((s) => renderProcessTable(s.baseline))}
      ${sides.map((s, i) => renderAllMetrics(s.baseline, `All metrics: ${sideLabel(i, sides.length)}`))}
      ${sides.map((s, i) => renderExtraSections(s.baseline, sideLabel(i, sides.length)))}
    </section>`;
  }
  const b = sides[0]!.baseline;
  const parts = [
    renderAssertions(b),
    renderLeakSection(b),
    renderLatencyTable(b),
    renderGcTable(b),
    renderMemoryTable(b),
    renderRatesTable(b),
    renderPhases(b),
    renderCustomTable(b),
    renderHeapClasses(b),
  ].filter(
    (p): p is SafeHtml => p !== undefined,
  );
  return html`<section id="tables">
    <h2>Figures</h2>
    ${alerts}
    <div class="grid">${parts}</div>
    ${renderProcessTable(b)}
    ${renderAllMetrics(b)}
    ${renderExtraSections(b)}
  </section>`;
}

export function renderHtmlReport(sides: ReportSide[], opts: ReportOptions = {}): string {
  if (sides.length < 1 || sides.length > 2) throw new Error(`a report takes one or two baselines, not ${sides.length}`);
  const assets = loadReportAssets();
  const data = buildReportData(sides, opts.chart);
  const flame = buildFlameSection(sides, opts.siteVerdicts);
  const title = [...new Set(sides.map((s) => targetTitle(s.baseline)))].join(' vs ');
  const generated = (opts.generatedAt ?? new Date()).toISOString();
  const figures = sides.length > 1 ? renderCompareFigures(sides[0]!.baseline, sides[1]!.baseline) : renderKeyFigures(sides[0]!.baseline);
  const alerts = sideAlerts(sides);
  const verdicts = [
    ...sides.flatMap((s, i) => stressVerdicts(s.baseline, sides.length > 1 ? `${sideLabel(i, sides.length)}: ` : '')),
    ...alertVerdicts(alerts, sides.length),
    ...(opts.verdicts ?? []),
  ];
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="memkit ${opts.memkitVersion ?? ''}">
<title>memkit · ${title}</title>
<style>${trusted(assets.uplotCss)}</style>
<style>${trusted(REPORT_CSS)}</style>
</head>
<body>
${renderHeader(sides, verdicts)}
<main>
${figures}
${renderWhatRan(sides)}
${renderCharts(sides, data)}
${flame?.html}
${renderTables(sides, opts, renderAlertRules(alerts, sides.length))}
${renderNotes(sides)}
</main>
<footer>Generated by memkit ${opts.memkitVersion ?? ''} on ${generated}. Raw samples stay in the runs’ .jsonl files; this page holds what is drawn.</footer>
<script type="application/json" id="memkit-data">${trusted(jsonForScript(data))}</script>
<script>${trusted(scriptSafe(assets.uplotJs))}</script>
<script type="module">${trusted(scriptSafe(assets.clientJs))}</script>
${flame ? html`<script type="application/json" id="memkit-flame">${trusted(jsonForScript(flame.data))}</script>
<script type="module">${trusted(scriptSafe(assets.flameJs))}</script>` : ''}
</body>
</html>
`;
  return page.html;
}
