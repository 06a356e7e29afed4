import { portablePath } from './portable-path.js';

/**
 * An allocation site's identity: the frame V8's sampling heap profiler records (function
 * name, script url, the function's start position), made portable, labelled for people,
 * and keyed for metric names that `memkit diff` joins across runs and commits.
 *
 * The key is `<function>@<file>` — no line: a key is how the diff pairs the base's site
 * with the current one, and in CI the current side is other code. With the line in the key,
 * one line added above `parseTick` would rename its site, and the diff would compare
 * "missing" with "new". A function's name and file change only when it is renamed or moved,
 * which is a new site indeed. The label (`parseTick (src/feed.js:41)`) keeps the line.
 */

/** A frame as V8 reports it: line and column 0-based, of the function's start; script 0 for a builtin. */
export interface RawFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
  scriptId?: number;
}

export interface FrameRef {
  /** The function's name; '' for an anonymous function. */
  name: string;
  /** Portable: relative to the working directory, from `node_modules/` on, `node:` urls as they are; '' for V8's own frames. */
  file: string;
  /** 1-based, of the function's start (V8 records where the function begins, not the allocating statement). */
  line: number;
  col: number;
  /** Through a source map (the original file and line). */
  mapped: boolean;
  /**
   * A function of a script V8 could no longer name when the profile was read (it had been
   * collected): no file or line, but not a builtin either.
   */
  unnamedScript?: boolean;
}

/** Where a generated position comes from, through its script's source map: file (absolute path or the map's url), 1-based line and column. */
export interface OriginalPosition {
  file: string;
  line: number;
  col: number;
  /** The map's name at that position; not the frame's name (see frameRefOf). */
  name: string | null;
}

/**
 * A frame made portable; with its original position (a source map's), the original file
 * and line, so the site is `parseTick (src/feed.ts:18)` and its key `parseTick@src/feed.ts`.
 * The name stays V8's: a map's name at a function's start is that of the nearest token the
 * compiler marked (for an anonymous callback, often the method it is passed to).
 */
export function frameRefOf(raw: RawFrame, cwd: string, original?: OriginalPosition): FrameRef {
  const ref: FrameRef = original
    ? { name: raw.functionName, file: portableSourcePath(original.file, cwd), line: original.line, col: original.col, mapped: true }
    : { name: raw.functionName, file: portableSourcePath(raw.url, cwd), line: raw.lineNumber + 1, col: raw.columnNumber + 1, mapped: false };
  if (raw.url === '' && (raw.scriptId ?? 0) > 0) ref.unnamedScript = true;
  return ref;
}

/**
 * A script url as a portable path: `file://` stripped; under cwd relative; inside a
 * dependency from the last `node_modules/` on (pnpm's `.pnpm/x@1.2.3/node_modules/x/…` and
 * nested installs collapse, and a version bump keeps the key); a temporary directory
 * `<tmp>`; `node:` and other urls as they are.
 */
export function portableSourcePath(url: string, cwd: string): string {
  if (url === '') return '';
  let path = url.startsWith('file://') ? decodeURIComponent(url.slice('file://'.length)) : url;
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) return path.slice(modules + 1);
  path = portablePath(path, cwd);
  return path;
}

/** What people read: `parseTick (src/feed.js:41)`, `(anonymous) (src/a.js:3)`, `(garbage collector)`, `Array.from`. */
export function siteLabel(f: FrameRef): string {
  const name = f.name === '' ? '(anonymous)' : f.name;
  if (f.unnamedScript) return `${name} (script unloaded)`;
  if (f.file === '') return name;
  // A url recovered from an earlier read comes without its line.
  return f.line > 0 ? `${name} (${f.file}:${f.line})` : `${name} (${f.file})`;
}

/** Longer keys keep their start and end around a hash of the whole (a metric name stays readable). */
const MAX_KEY_LENGTH = 160;

/**
 * One key per frame, in the same order, from that frame alone: `<function>@<file>`,
 * `(anonymous)@<file>:<line>` (its start line: an anonymous function has nothing else to
 * tell it apart), or the name alone for V8's own frames. Never from which other frames a
 * run happened to sample: numbering same-named functions by rank made a key move to
 * another function in runs that sampled one of them and not the other (seen in the
 * diff's same-versus-same pools). Two functions of one file with one name are one site.
 * Characters the diff's option grammar gives a meaning to (`=` splits a threshold, `*`
 * and `?` are globs, `,` separates a list) and whitespace become `_`.
 */
export function siteKeys(frames: readonly FrameRef[]): string[] {
  return frames.map((f) => {
    const anonymous = f.name === '';
    const where = f.unnamedScript ? '@?' : f.file === '' ? '' : `@${f.file}${anonymous && f.line > 0 ? `:${f.line}` : ''}`;
    return shorten(sanitiseKey(`${anonymous ? '(anonymous)' : f.name}${where}`));
  });
}

/** Letters, digits and `_$.-/:@()<>#~+[]` stay; anything else becomes `_` (runs of it one). */
export function sanitiseKey(key: string): string {
  return key.replace(/[^\p{L}\p{N}_$.\-/:@()<>#~+[\]]+/gu, '_');
}

function shorten(key: string): string {
  if (key.length <= MAX_KEY_LENGTH) return key;
  return `${key.slice(0, 100)}~${fnv1a(key).toString(16).padStart(8, '0').slice(0, 6)}~${key.slice(-40)}`;
}

/** FNV-1a, 32 bits, over UTF-16 code units: stable, dependency-free, enough to tell long keys apart. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
