import type { Basis, MetricDiff, Verdict } from '../../analyze/diff.js';
import type { FlameDiff, FlameGraph, FlameMeasure } from '../../analyze/alloc-flame.js';

/**
 * What the page's flame graph code reads (the #memkit-flame JSON): frames with their
 * layout inputs, numbers and colour, computed here so the browser code only lays out and
 * reacts. The differential's colour is memkit diff's verdict on the frame's site.
 */

export interface FlameFrameData {
  /** Parent index (-1: root). */
  p: number;
  /** Label (`fn (file:line)`): shown as text only. */
  l: string;
  /** Total bytes (incl. children), self bytes, total objects. */
  t: number;
  s: number;
  o: number;
  /** Fill colour. */
  c: string;
  /** "(other)": the frames it stands for. */
  m?: number;
  /** Differential: the base's total at the same stack (absent: "(other)"), the relative change, the verdict's words. */
  b?: number;
  r?: number | null;
  v?: string;
}

export interface FlameGraphData {
  id: string;
  title: string;
  measure: FlameMeasure;
  total: number;
  baseTotal?: number;
  cutShare: number;
  mergedFrames: number;
  frames: FlameFrameData[];
}

export interface FlamePageData {
  graphs: FlameGraphData[];
}

/** The parts of memkit diff's decision on a site metric the colour reads. */
export type SiteVerdict = Pick<MetricDiff, 'name' | 'verdict' | 'basis' | 'gating'>;

/** A frame's change, as coloured: its sign, how strongly it is shown, and in words. */
export interface FrameTone {
  sign: -1 | 0 | 1;
  /** 1: a verdict of the diff; below: no verdict, pale by the size of the change. */
  strength: number;
  words: string;
}

/** Below this relative change, a frame without a verdict is grey (the sampler's noise on a few samples). */
const PALE_FLOOR = 0.02;
/** A change this large (or larger) gets the palest tint's full strength. */
const PALE_FULL = 0.5;
const PALE_MAX = 0.35;

/** The deciding figure of a site in memkit diff (alloc-site-diff.ts): per step, else per run. */
const DECIDING = ['.bytes_per_op', '.bytes'];

/** Site key -> the diff's decision on its deciding metric. */
export function siteVerdictsByKey(metrics: readonly SiteVerdict[]): Map<string, SiteVerdict> {
  const out = new Map<string, SiteVerdict>();
  for (const suffix of DECIDING) {
    for (const m of metrics) {
      if (!m.name.startsWith('alloc.site.') || !m.name.endsWith(suffix)) continue;
      const key = m.name.slice('alloc.site.'.length, -suffix.length);
      if (!out.has(key)) out.set(key, m);
    }
  }
  return out;
}

/** A tested verdict (Mann-Whitney and the threshold, or a limit): the only kind that colours strongly. */
function decided(v: SiteVerdict | undefined): v is SiteVerdict & { verdict: Verdict; basis: Basis } {
  return v !== undefined && v.gating && (v.basis === 'test+threshold' || v.basis === 'limit') && ['regressed', 'improved', 'unchanged'].includes(v.verdict);
}

/**
 * memkit diff's rule: a site it found regressed is red, improved blue, unchanged grey (no
 * evidence of a change), each at full strength. A site without such a verdict (below the
 * share floor, too few runs for the test, not a site metric at all) takes the sign of its
 * frame's relative change, pale, and says "no verdict".
 */
export function frameTone(relative: number | null | undefined, site: SiteVerdict | undefined): FrameTone {
  if (decided(site)) {
    if (site.verdict === 'regressed') return { sign: 1, strength: 1, words: `regressed (memkit diff, ${site.basis})` };
    if (site.verdict === 'improved') return { sign: -1, strength: 1, words: `improved (memkit diff, ${site.basis})` };
    return { sign: 0, strength: 1, words: 'unchanged (memkit diff: no evidence of a change)' };
  }
  if (relative === undefined) return { sign: 0, strength: 0, words: 'no verdict (merged frames)' };
  if (relative === null) return { sign: 1, strength: PALE_MAX, words: 'no verdict: new since base' };
  if (Math.abs(relative) < PALE_FLOOR) return { sign: 0, strength: 0, words: 'no verdict' };
  return { sign: relative > 0 ? 1 : -1, strength: PALE_MAX * Math.min(1, Math.abs(relative) / PALE_FULL), words: 'no verdict' };
}

/** Red for grown, blue for shrunk, grey for neither; saturation from the strength. */
export function toneColour(t: FrameTone): string {
  if (t.sign === 0) return t.strength === 1 ? 'hsl(220 9% 72%)' : 'hsl(220 9% 86%)';
  const hue = t.sign > 0 ? 0 : 214;
  // Full strength: a saturated mid tone; pale: towards white.
  const light = Math.round(92 - 34 * t.strength);
  const sat = Math.round(45 + 35 * t.strength);
  return `hsl(${hue} ${sat}% ${light}%)`;
}

/** The classic warm palette, stable per label (the same function has the same colour in both views). */
export function warmColour(label: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
  return `hsl(${10 + (h % 45)} ${70 + ((h >>> 8) % 20)}% ${58 + ((h >>> 16) % 14)}%)`;
}

export function flameGraphData(id: string, title: string, g: FlameGraph): FlameGraphData {
  return {
    id,
    title,
    measure: g.measure,
    total: g.totalBytes,
    cutShare: g.cutShare,
    mergedFrames: g.mergedFrames,
    frames: g.frames.map((f) => ({
      p: f.parent,
      l: f.label,
      t: f.totalBytes,
      s: f.selfBytes,
      o: f.totalObjects,
      c: f.merged !== undefined ? 'hsl(220 9% 88%)' : warmColour(f.label),
      ...(f.merged !== undefined ? { m: f.merged } : {}),
    })),
  };
}

export function flameDiffData(id: string, title: string, d: FlameDiff, verdicts: ReadonlyMap<string, SiteVerdict>): FlameGraphData {
  const g = flameGraphData(id, title, d.current);
  g.baseTotal = d.baseTotalBytes;
  g.frames.forEach((f, i) => {
    const cf = d.current.frames[i]!;
    const df = d.frames[i]!;
    const tone = frameTone(df.baseBytes === undefined ? undefined : df.relative, cf.key ? verdicts.get(cf.key) : undefined);
    f.c = toneColour(tone);
    f.v = tone.words;
    if (df.baseBytes !== undefined) {
      f.b = df.baseBytes;
      f.r = df.relative ?? null;
    }
  });
  return g;
}
