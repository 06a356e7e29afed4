import type { Baseline, RunStatus } from '../../baseline/schema.js';
import { formatBytes, formatMs } from '../../units/format.js';
import { html, type SafeHtml } from './escape.js';
import type { ReportSide } from '../inputs.js';

/** The page's header and its "what ran" table: every fact the baseline records about the run. */

export function targetTitle(b: Baseline): string {
  const t = b.target;
  switch (t.type) {
    case 'scenario':
      return `${t.scenario} · ${t.variant}`;
    case 'command':
      return t.argv.map(shellQuote).join(' ');
    case 'snapshot':
      return t.files.map((f) => f.split('/').pop()).join(', ');
    case 'similarity':
      return t.description;
    default:
      return (t as { type: string }).type;
  }
}

/** An argument as a shell would need it typed, so a command line reads unambiguously. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function statusBadge(status: RunStatus, label?: string): SafeHtml {
  return html`<span class="badge status-${status}" data-status="${status}">${label ? `${label}: ` : ''}${status}</span>`;
}

export interface Verdict {
  label: string;
  tone: 'good' | 'bad' | 'warn' | 'neutral';
  detail?: string;
}

export function renderHeader(sides: ReportSide[], verdicts: Verdict[]): SafeHtml {
  const compare = sides.length > 1;
  const main = sides[sides.length - 1]!.baseline;
  const kinds = [...new Set(sides.map((s) => s.baseline.kind))].join(' / ');
  const titles = [...new Set(sides.map((s) => targetTitle(s.baseline)))];
  return html`<header class="top">
  <div class="brand">memkit <span>${kinds} ${compare ? 'comparison' : 'report'}</span></div>
  <h1 id="title">${titles.join(' vs ')}</h1>
  <div class="badges">
    ${sides.map((s, i) => statusBadge(s.baseline.status, compare ? sideLabel(i, sides.length) : undefined))}
    ${verdicts.map((v) => html`<span class="badge verdict-${v.tone}" title="${v.detail ?? ''}">${v.label}</span>`)}
  </div>
  ${sides.map((s, i) =>
    s.baseline.statusReason
      ? html`<p class="reason status-${s.baseline.status}" data-side="${i}">${compare ? `${sideLabel(i, sides.length)}: ` : ''}${s.baseline.statusReason}</p>`
      : '',
  )}
  <p class="when">${compare ? '' : html`Started ${formatDate(main.startedAt)} · ${formatMs(main.durationMs)} measured`}</p>
</header>`;
}

export function sideLabel(index: number, count: number): string {
  if (count === 1) return 'run';
  return index === 0 ? 'baseline' : 'current';
}

function formatDate(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

type Row = [label: string, cells: Array<SafeHtml | string>];

function whatRanRows(side: ReportSide): Map<string, SafeHtml | string> {
  const b = side.baseline;
  const t = b.target;
  const e = b.environment;
  const rows = new Map<string, SafeHtml | string>();
  rows.set('kind', b.kind);
  if (side.path) rows.set('baseline file', html`<code>${side.path}</code>`);
  switch (t.type) {
    case 'scenario':
      rows.set('scenario', html`<span data-field="scenario">${t.scenario}</span> ${t.builtin ? html`<span class="dim">(built-in)</span>` : html`<span class="dim">${t.file}</span>`}`);
      rows.set('variant', html`<span data-field="variant">${t.variant}</span>`);
      rows.set('parameters', paramsList(t.params));
      break;
    case 'command':
      rows.set('command', html`<code data-field="command">${t.argv.map(shellQuote).join(' ')}</code>${t.instrumented ? '' : html` <span class="dim">(not instrumented: RSS and CPU only)</span>`}`);
      break;
    case 'snapshot':
      rows.set('snapshots', html`${t.files.map((f) => html`<code>${f}</code><br>`)}`);
      break;
    case 'similarity':
      rows.set('similarity', t.description);
      rows.set('parameters', paramsList(t.params));
      break;
  }
  rows.set('memkit command', html`<code data-field="argv">memkit ${b.command.argv.map(shellQuote).join(' ')}</code>`);
  if (e.runtime === 'python') rows.set('runtime', html`<span data-field="runtime">Python ${e.python ?? '(version unknown)'}</span>`);
  else rows.set('Node / V8', html`<span data-field="node">${e.node}</span> / ${e.v8}`);
  rows.set('node flags', e.nodeFlags.length ? html`<code data-field="flags">${e.nodeFlags.join(' ')}</code>` : html`<span class="dim">none</span>`);
  rows.set('machine', `${e.cpuModel} × ${e.cpuCount} · ${formatBytes(e.totalMemoryBytes)} RAM · ${e.platform}/${e.arch} · ${e.hostname}`);
  rows.set('started', formatDate(b.startedAt));
  rows.set('duration', html`<span data-field="duration" data-value="${b.durationMs}">${formatMs(b.durationMs)}</span>${b.runs.length > 1 ? html` <span class="dim">(${b.runs.length} runs)</span>` : ''}`);
  rows.set('status', html`${statusBadge(b.status)}${b.statusReason ? html` <span data-field="status-reason">${b.statusReason}</span>` : ''}`);
  if (b.runs.length > 1 || b.runs.some((r) => r.status !== b.status)) {
    rows.set('runs', html`${b.runs.map((r) => html`<div>run ${r.index + 1}: ${statusBadge(r.status)} ${formatMs(r.durationMs)}${r.statusReason ? ` · ${r.statusReason}` : ''}${r.exit ? ` · exit ${r.exit.signal ?? r.exit.code}` : ''}</div>`)}`);
  }
  const settings = Object.entries(b.settings).filter(([, v]) => v !== null);
  if (settings.length) rows.set('settings', paramsList(Object.fromEntries(settings) as Record<string, string | number | boolean>));
  if (side.runs.some((r) => r.samplesPath || r.problem || r.data)) rows.set('samples', samplesCell(side));
  return rows;
}

function paramsList(params: Record<string, string | number | boolean>): SafeHtml {
  const entries = Object.entries(params);
  if (entries.length === 0) return html`<span class="dim">none</span>`;
  return html`<ul class="params">${entries.map(([k, v]) => html`<li><span class="param-name">${k}</span> = <span class="param-value">${String(v)}</span></li>`)}</ul>`;
}

function samplesCell(side: ReportSide): SafeHtml {
  return html`${side.runs.map((r) => {
    const name = r.samplesPath ? html`<code>${r.samplesPath}</code>` : html`<span class="dim">in memory</span>`;
    if (r.problem) return html`<div class="warn">run ${r.index + 1}: ${r.problem}</div>`;
    const bad = r.badLines ? html` <span class="warn">(${r.badLines} unreadable line${r.badLines === 1 ? '' : 's'} skipped)</span>` : '';
    return html`<div>run ${r.index + 1}: ${name}${bad}</div>`;
  })}`;
}

/** "What ran": one column per side, a row per fact (rows missing on a side left blank). */
export function renderWhatRan(sides: ReportSide[]): SafeHtml {
  const perSide = sides.map(whatRanRows);
  const labels: string[] = [];
  for (const rows of perSide) for (const k of rows.keys()) if (!labels.includes(k)) labels.push(k);
  const compare = sides.length > 1;
  const rows: Row[] = labels.map((label) => [label, perSide.map((r) => r.get(label) ?? '')]);
  return html`<section id="what-ran" class="panel">
  <h2>What ran</h2>
  <table class="facts">
    ${compare ? html`<thead><tr><th></th>${sides.map((_, i) => html`<th>${sideLabel(i, sides.length)}</th>`)}</tr></thead>` : ''}
    <tbody>
      ${rows.map(([label, cells]) => html`<tr><th scope="row">${label}</th>${cells.map((c, i) => html`<td data-side="${i}">${c}</td>`)}</tr>`)}
    </tbody>
  </table>
</section>`;
}
