/**
 * The report page's flame graph code, run in the browser (inlined as a module script by
 * page.ts when the page has a flame graph; no imports at run time). It reads
 * #memkit-flame (flame-data.ts), lays the frames out as an icicle (root at the top), and
 * handles the view buttons, click-to-zoom, search and the tooltip. Every label is put in
 * with textContent: a function named `<script>` is text.
 *
 * After drawing, #flame-graph carries data-view, data-frames (boxes drawn) and data-zoom
 * (the index of the zoomed frame), and the body data-flame-ready, for the browser test.
 */

import type { FlameFrameData, FlameGraphData, FlamePageData } from './flame-data.js';

declare const document: any;
declare const window: any;

const ROW_PX = 18;
/** Boxes narrower than this are not drawn (their parent's width still holds them). */
const MIN_PX = 0.5;

function fmtBytes(v: number): string {
  const a = Math.abs(v);
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let x = a;
  while (x >= 1000 && i < units.length - 1) {
    x /= 1000;
    i++;
  }
  return `${v < 0 ? '-' : ''}${i === 0 ? x.toFixed(0) : x.toFixed(x >= 100 ? 0 : x >= 10 ? 1 : 2)} ${units[i]}`;
}

function fmtCount(v: number): string {
  return v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(3);
}

function pct(r: number): string {
  return `${(r * 100).toFixed(r >= 0.1 ? 1 : 2)} %`;
}

interface Laid {
  x: number;
  depth: number;
}

/** x (in bytes from the left) and depth of each frame: children side by side under their parent, in order. */
function layout(frames: FlameFrameData[]): Laid[] {
  const out: Laid[] = [];
  const next: number[] = [];
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i]!;
    if (f.p < 0) out.push({ x: 0, depth: 0 });
    else {
      const parent = out[f.p]!;
      const x = next[f.p] ?? parent.x;
      out.push({ x, depth: parent.depth + 1 });
      next[f.p] = x + f.t;
    }
  }
  return out;
}

function isWithin(frames: FlameFrameData[], node: number, ancestor: number): boolean {
  for (let n = node; n >= 0; n = frames[n]!.p) if (n === ancestor) return true;
  return false;
}

function main(): void {
  const el = document.getElementById('memkit-flame');
  const host = document.getElementById('flame-graph');
  if (!el || !host) return;
  const data: FlamePageData = JSON.parse(el.textContent);
  const tip = document.getElementById('flame-tip');
  const search = document.getElementById('flame-search');
  const matchLine = document.getElementById('flame-match');
  let graph: FlameGraphData = data.graphs[0]!;
  let laid: Laid[] = layout(graph.frames);
  let zoom = 0;

  const tipText = (f: FlameFrameData): string => {
    const per = graph.measure === 'per_op' ? ' per step' : graph.measure === 'per_s' ? '/s' : '';
    const lines = [
      f.m !== undefined ? `(other): ${f.m} frame${f.m === 1 ? '' : 's'} below ${pct(graph.cutShare)} each, merged` : f.l,
      `total ${fmtBytes(f.t)}${per} (${pct(graph.total > 0 ? f.t / graph.total : 0)} of the view), self ${fmtBytes(f.s)}${per}`,
      `${fmtCount(f.o)} objects${per}`,
    ];
    if (graph.baseTotal !== undefined) {
      if (f.b !== undefined) lines.push(`baseline ${fmtBytes(f.b)}${per}${f.r === null || f.r === undefined ? ' (new since base)' : `, ${f.r >= 0 ? '+' : ''}${(f.r * 100).toFixed(1)} %`}`);
      if (f.v) lines.push(f.v);
    }
    return lines.join('\n');
  };

  const draw = (): void => {
    host.replaceChildren();
    const frames = graph.frames;
    const z = frames[zoom]!;
    const zx = laid[zoom]!.x;
    const zw = z.t > 0 ? z.t : 1;
    const width = Math.max(1, host.clientWidth);
    let maxDepth = 0;
    let drawn = 0;
    const query = String(search?.value ?? '').trim().toLowerCase();
    const matched: number[] = [];
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i]!;
      const at = laid[i]!;
      const ancestorOfZoom = isWithin(frames, zoom, i) && i !== zoom;
      if (!ancestorOfZoom && !isWithin(frames, i, zoom)) continue;
      // Frames above the zoomed one span the whole width: the path back to the root.
      const left = ancestorOfZoom ? 0 : ((at.x - zx) / zw) * width;
      const w = ancestorOfZoom ? width : (f.t / zw) * width;
      if (w < MIN_PX) continue;
      const box = document.createElement('div');
      box.className = `fl-frame${ancestorOfZoom ? ' fl-above' : ''}`;
      box.style.left = `${left}px`;
      box.style.width = `${Math.max(w - 1, 0.5)}px`;
      box.style.top = `${at.depth * ROW_PX}px`;
      box.style.background = f.c;
      box.tabIndex = 0;
      box.dataset.index = String(i);
      if (w > 28) box.textContent = f.l;
      box.setAttribute('aria-label', f.l);
      if (query && f.m === undefined && f.l.toLowerCase().includes(query)) {
        box.classList.add('fl-match');
        matched.push(i);
      }
      host.appendChild(box);
      drawn++;
      maxDepth = Math.max(maxDepth, at.depth);
    }
    host.style.height = `${(maxDepth + 1) * ROW_PX + 2}px`;
    host.dataset.view = graph.id;
    host.dataset.frames = String(drawn);
    host.dataset.zoom = String(zoom);
    if (matchLine) {
      if (!query) matchLine.textContent = '';
      else {
        // A match inside another match is already counted in the outer one's total.
        const outer = matched.filter((i) => !matched.some((j) => j !== i && isWithin(frames, i, j)));
        const bytes = outer.reduce((s, i) => s + frames[i]!.t, 0);
        matchLine.textContent = `${matched.length} frame${matched.length === 1 ? '' : 's'} match: ${pct(graph.total > 0 ? bytes / graph.total : 0)} of the total`;
        matchLine.dataset.share = String(graph.total > 0 ? bytes / graph.total : 0);
      }
    }
  };

  const show = (id: string): void => {
    graph = data.graphs.find((g) => g.id === id) ?? graph;
    laid = layout(graph.frames);
    zoom = 0;
    for (const b of document.querySelectorAll('[data-flame-view]')) b.setAttribute('aria-pressed', String(b.dataset.flameView === graph.id));
    draw();
  };

  const frameOf = (ev: any): number | undefined => {
    const t = ev.target?.closest?.('.fl-frame');
    return t ? Number(t.dataset.index) : undefined;
  };
  host.addEventListener('click', (ev: any) => {
    const i = frameOf(ev);
    if (i === undefined) return;
    // Clicking the zoomed frame goes back to the root; a frame above it zooms out to that frame.
    zoom = i === zoom ? 0 : i;
    draw();
  });
  host.addEventListener('keydown', (ev: any) => {
    if (ev.key !== 'Enter' && ev.key !== ' ') return;
    const i = frameOf(ev);
    if (i === undefined) return;
    ev.preventDefault();
    zoom = i === zoom ? 0 : i;
    draw();
  });
  const showTip = (ev: any): void => {
    const i = frameOf(ev);
    if (i === undefined || !tip) return;
    tip.textContent = tipText(graph.frames[i]!);
    tip.hidden = false;
    const r = ev.target.getBoundingClientRect();
    const sr = host.parentElement.getBoundingClientRect(); // the panel: the tooltip's positioned ancestor
    tip.style.left = `${Math.min(Math.max(0, r.left - sr.left), Math.max(0, sr.width - 380))}px`;
    tip.style.top = `${r.bottom - sr.top + 4}px`;
  };
  host.addEventListener('mouseover', showTip);
  host.addEventListener('focusin', showTip);
  host.addEventListener('mouseleave', () => tip && (tip.hidden = true));
  host.addEventListener('focusout', () => tip && (tip.hidden = true));
  for (const b of document.querySelectorAll('[data-flame-view]')) b.addEventListener('click', () => show(b.dataset.flameView));
  document.getElementById('flame-reset')?.addEventListener('click', () => {
    zoom = 0;
    draw();
  });
  search?.addEventListener('input', draw);
  let lastWidth = host.clientWidth;
  window.addEventListener('resize', () => {
    if (host.clientWidth !== lastWidth) {
      lastWidth = host.clientWidth;
      draw();
    }
  });
  show(graph.id);
  document.body.dataset.flameReady = String(data.graphs.length);
}

try {
  main();
} catch (err) {
  document.body.dataset.flameReady = 'error';
  throw err;
}
