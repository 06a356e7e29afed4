import { evaluateAlertRules, type AlertRuleResult } from '../../analyze/alert-rules.js';
import { measuredWindow } from '../../analyze/window.js';
import { formatBytes, formatClock, formatCount, formatPercent } from '../../units/format.js';
import { html, type SafeHtml } from './escape.js';
import type { ReportSide } from '../inputs.js';
import { sideLabel, type Verdict } from './summary.js';

/**
 * Seed 000's alert rules, evaluated on the runs (analyze/alert-rules.ts): would the
 * dashboard's alerts have fired during this run, and at what worst value?
 */

interface SideAlerts {
  side: number;
  /** Worst over the side's runs, per rule and subject, with the window start of that run. */
  results: Array<AlertRuleResult & { originMs: number; run: number }>;
}

function worse(a: AlertRuleResult, b: AlertRuleResult): boolean {
  return a.id === 'hit-ratio' ? a.worst < b.worst : a.worst > b.worst;
}

export function sideAlerts(sides: ReportSide[]): SideAlerts[] {
  return sides.map((s, side) => {
    const best = new Map<string, AlertRuleResult & { originMs: number; run: number }>();
    for (const r of s.runs) {
      if (!r.data) continue;
      const window = measuredWindow(r.data);
      for (const a of evaluateAlertRules(r.data, window)) {
        const key = `${a.id}/${a.subject ?? ''}`;
        const cur = best.get(key);
        if (!cur || worse(a, cur)) best.set(key, { ...a, originMs: window.startMs, run: r.index });
      }
    }
    return { side, results: [...best.values()] };
  });
}

function value(a: AlertRuleResult): string {
  if (a.unit === 'bytes') return formatBytes(a.worst, { signed: true });
  if (a.unit === 'ratio') return formatPercent(a.worst, 1);
  if (a.unit === 'per_s') return `${Number(a.worst.toPrecision(3))}/s`;
  return formatCount(a.worst);
}

function describe(a: AlertRuleResult): SafeHtml {
  const long = a.id === 'rss-increase' ? 3600_000 : 600_000;
  const shorter = a.windowMs < long ? html` <span class="dim">(the whole run: ${formatClock(a.windowMs)})</span>` : '';
  switch (a.id) {
    case 'rss-increase':
      return html`largest RSS rise over 1 h${shorter}`;
    case 'hit-ratio':
      return html`hit ratio of <code>${a.subject}</code>, whole run`;
    case 'major-gc-count':
      return html`most major GCs within 10 min${shorter}`;
    case 'major-gc-rate':
      return html`the same, per second${shorter}`;
  }
}

const BADGE: Record<Exclude<AlertRuleResult['id'], 'hit-ratio'>, string> = {
  'rss-increase': 'RSS rise over 1 h',
  'major-gc-count': 'major GCs in 10 min',
  'major-gc-rate': 'major GCs per second',
};

/** One badge per rule that would fire (several hit ratios below the floor make one badge). */
export function alertVerdicts(alerts: SideAlerts[], count: number): Verdict[] {
  return alerts.flatMap((s) => {
    const who = count > 1 ? `${sideLabel(s.side, count)}: ` : '';
    const fired = s.results.filter((a) => a.fires);
    const ratios = fired.filter((a) => a.id === 'hit-ratio');
    const out: Verdict[] = fired
      .filter((a) => a.id !== 'hit-ratio')
      .map((a) => ({ label: `${who}alert: ${BADGE[a.id as keyof typeof BADGE]} ${value(a)}`, tone: 'bad', detail: a.rule }));
    if (ratios.length === 1) out.push({ label: `${who}alert: hit ratio of ${ratios[0]!.subject} ${value(ratios[0]!)}`, tone: 'bad', detail: ratios[0]!.rule });
    if (ratios.length > 1) out.push({ label: `${who}alert: ${ratios.length} hit ratios below 80%`, tone: 'bad', detail: ratios.map((r) => r.subject).join(', ') });
    return out;
  });
}

export function renderAlertRules(alerts: SideAlerts[], count: number): SafeHtml | undefined {
  const rows = alerts.flatMap((s) => s.results.map((a) => ({ ...a, sideIndex: s.side })));
  if (rows.length === 0) return undefined;
  return html`<section class="panel table-panel" id="alert-rules">
  <h3>Seed 000’s alert rules, on this run</h3>
  <table class="data">
    <thead><tr>${count > 1 ? html`<th>run</th>` : ''}<th>rule</th><th>measured</th><th class="num">worst</th><th class="num">at</th><th>alert</th></tr></thead>
    <tbody>${rows.map(
      (a) => html`<tr data-alert="${a.id}" data-fires="${String(a.fires)}" data-value="${a.worst}">
        ${count > 1 ? html`<td>${sideLabel(a.sideIndex, count)}</td>` : ''}<td><code>${a.rule}</code></td><td>${describe(a)}</td>
        <td class="num">${value(a)}</td><td class="num">${a.atMs !== undefined ? formatClock(a.atMs - a.originMs) : ''}</td>
        <td><span class="badge ${a.fires ? 'verdict-bad' : 'verdict-good'}">${a.fires ? 'would fire' : 'quiet'}</span></td></tr>`,
    )}</tbody>
  </table>
  <p class="caption">The rules of <code>docs/prometheus/memkit-alerts.yml</code>, evaluated on the recorded samples with sliding
    windows over the measured window; “at” is the end of the worst window, from the window’s start.</p>
</section>`;
}
