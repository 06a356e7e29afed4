/** The report page's stylesheet (inlined; uPlot's own stylesheet comes before it). */
export const REPORT_CSS = `
:root { --fg: #111827; --dim: #6b7280; --line: #e5e7eb; --bg: #f6f7f9; --panel: #ffffff;
  --good: #047857; --bad: #b91c1c; --warn: #b45309; --accent: #2563eb; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", sans-serif; }
code, pre, .metric-name { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 12.5px; }
header.top { background: #0f172a; color: #f8fafc; padding: 18px 32px 16px; }
header.top .brand { font-weight: 700; letter-spacing: .02em; color: #93c5fd; font-size: 13px; }
header.top .brand span { color: #cbd5e1; font-weight: 400; margin-left: 6px; }
header.top h1 { margin: 4px 0 10px; font-size: 24px; font-weight: 650; word-break: break-word; }
header.top .when { margin: 8px 0 0; color: #cbd5e1; font-size: 13px; }
header.top .reason { margin: 8px 0 0; padding: 6px 10px; border-radius: 6px; background: rgba(255,255,255,.08); }
header.top .reason.status-crashed { background: rgba(220, 38, 38, .25); }
header.top .reason.status-interrupted { background: rgba(245, 158, 11, .22); }
.badges { display: flex; flex-wrap: wrap; gap: 6px; }
.badge { display: inline-block; white-space: nowrap; padding: 2px 10px; border-radius: 999px; font-size: 12px; font-weight: 600;
  background: #e5e7eb; color: #111827; }
.status-complete.badge { background: #d1fae5; color: #065f46; }
.status-interrupted.badge { background: #fef3c7; color: #92400e; }
.status-crashed.badge { background: #fee2e2; color: #991b1b; }
.verdict-good { background: #d1fae5; color: #065f46; }
.verdict-bad { background: #fee2e2; color: #991b1b; }
.verdict-warn { background: #fef3c7; color: #92400e; }
main { max-width: 1280px; margin: 0 auto; padding: 20px 24px 8px; }
h2 { font-size: 17px; margin: 0 0 10px; }
h3 { font-size: 14px; margin: 0 0 8px; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px; margin: 0 0 16px; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(160px, 1fr)); gap: 10px; margin: 0 0 16px; }
.figure { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 10px 14px; }
.figure-label { color: var(--dim); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; word-break: break-word; }
.figure-value { font-size: 21px; font-weight: 650; font-variant-numeric: tabular-nums; }
.figure-base { color: var(--dim); font-size: 12px; }
.figure-change { font-size: 12px; font-weight: 600; }
.figure-change.tone-good, tr.tone-good td.change { color: var(--good); }
.figure-change.tone-bad, tr.tone-bad td.change { color: var(--bad); }
#diff-table { overflow-x: auto; }
#diff-table td.reason { min-width: 18em; font-size: 0.92em; color: var(--muted, #555); }
#diff-table td.verdict { font-weight: 600; white-space: nowrap; }
tr.tone-bad td.verdict { color: var(--bad); }
tr.tone-good td.verdict { color: var(--good); }
table { border-collapse: collapse; width: 100%; }
table.facts th { text-align: left; font-weight: 500; color: var(--dim); width: 160px; vertical-align: top; padding: 4px 12px 4px 0; }
table.facts td { padding: 4px 12px 4px 0; vertical-align: top; word-break: break-word; }
table.facts thead th { color: var(--fg); font-weight: 650; }
table.data th { text-align: left; font-weight: 600; color: var(--dim); border-bottom: 1px solid var(--line); padding: 5px 8px; font-size: 12.5px; }
table.data td { padding: 4px 8px; border-bottom: 1px solid #f1f2f4; font-variant-numeric: tabular-nums; }
table.data tr.total td { font-weight: 650; border-top: 1px solid var(--line); }
.num { text-align: right !important; white-space: nowrap; }
.dim { color: var(--dim); }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.9em; }
.warn { color: var(--warn); }
.caption { color: var(--dim); font-size: 12.5px; margin: 6px 0 0; }
ul.params { list-style: none; margin: 0; padding: 0; }
ul.params li { display: inline-block; margin: 0 12px 2px 0; }
.param-name { font-family: ui-monospace, Menlo, Consolas, monospace; color: #374151; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 0 16px; }
.two-up { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
.charts-head { display: flex; align-items: baseline; justify-content: space-between; }
#reset-zoom { font: inherit; font-size: 12px; padding: 3px 10px; border: 1px solid var(--line); border-radius: 6px; background: #fff; cursor: pointer; }
.chart-block { margin: 18px 0 8px; }
.chart-block figcaption { display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; }
.chart-block figcaption h3 { margin: 0; }
.chart { width: 100%; min-height: 120px; }
.key { display: inline-block; width: 12px; height: 10px; border-radius: 2px; vertical-align: baseline; }
.key-setup { background: rgba(107, 114, 128, 0.25); } .key-warmup { background: rgba(245, 158, 11, 0.35); }
.bar-col { width: 28%; }
.bar { display: inline-block; height: 10px; background: #93c5fd; border-radius: 2px; }
.class-name { word-break: break-all; }
details.panel > summary { cursor: pointer; font-weight: 600; }
details pre { overflow: auto; max-height: 420px; background: #f8fafc; padding: 10px; border-radius: 6px; }
details.stderr pre { background: #1f2937; color: #f9fafb; }
footer { color: var(--dim); font-size: 12px; text-align: center; padding: 8px 24px 28px; }
.u-legend { font-size: 12px; text-align: left; padding-left: 78px; }
.u-legend .u-marker { width: 10px; height: 10px; }
#flame { position: relative; }
.flame-controls { display: flex; flex-wrap: wrap; gap: 10px; align-items: center; margin: 0 0 10px; }
.flame-controls button { font: inherit; font-size: 12px; padding: 3px 10px; border: 1px solid var(--line); border-radius: 6px; background: #fff; cursor: pointer; }
.flame-controls button[aria-pressed=true] { background: #0f172a; color: #fff; }
#flame-match { color: var(--dim); font-size: 12px; }
#flame-graph { position: relative; width: 100%; min-height: 20px; overflow: hidden; }
.fl-frame { position: absolute; height: 17px; font: 11px/17px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; padding: 0 3px;
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; color: #111827; cursor: pointer; border-radius: 2px; }
.fl-frame.fl-above { opacity: .55; }
.fl-frame.fl-match { outline: 2px solid #a21caf; outline-offset: -2px; background: #f0abfc !important; }
.fl-frame:focus { outline: 2px solid var(--accent); outline-offset: -2px; }
#flame-tip { position: absolute; z-index: 5; max-width: 380px; white-space: pre-wrap; word-break: break-word; pointer-events: none;
  background: #0f172a; color: #f8fafc; font-size: 12px; padding: 6px 8px; border-radius: 6px; }
.flame-legend .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin: 0 2px 0 6px; }
.flame-stack { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
@media (max-width: 720px) { .grid, .two-up { grid-template-columns: 1fr; } main { padding: 12px; } }
`;
