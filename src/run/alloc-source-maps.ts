import { readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AllocSourceMapRecord } from '../samples/alloc-source-map.js';
import type { RunData } from '../samples/run-data.js';

/**
 * --alloc-sites for compiled code (TypeScript): at the end of a run, the parent finds the
 * source map of each script the sampled frames name and writes where each frame's position
 * comes from (samples/alloc-source-map.ts). The child only collects; this reads files.
 *
 * A script's map: the last `//# sourceMappingURL=` comment of the file (a `data:` URL, or a
 * path relative to the script), else `<script>.map` beside it. Positions are resolved with
 * Node's own `module.SourceMap#findEntry`. V8 gives a frame's position as the function's
 * start, so the original position is the function's declaration, not the allocating line.
 */

interface Position {
  line: number;
  col: number;
}

/** The original positions of the run's sampled frames, or undefined when no script had a map. */
export function allocSourceMapRecord(data: RunData, tMs: number): AllocSourceMapRecord | undefined {
  const byUrl = framePositionsByUrl(data);
  if (byUrl.size === 0) return undefined;
  const r: AllocSourceMapRecord = {
    type: 'alloc-source-map',
    tMs,
    url: [],
    line: [],
    col: [],
    file: [],
    origLine: [],
    origCol: [],
    name: [],
    scriptsMapped: 0,
    scriptsWithoutMap: 0,
    positionsUnmapped: 0,
  };
  for (const [url, positions] of byUrl) {
    const map = sourceMapOfScript(url);
    if (!map) {
      r.scriptsWithoutMap++;
      continue;
    }
    r.scriptsMapped++;
    for (const p of positions.values()) {
      const o = originalPosition(map, p);
      if (!o) {
        r.positionsUnmapped++;
        continue;
      }
      r.url.push(url);
      r.line.push(p.line);
      r.col.push(p.col);
      r.file.push(o.file);
      r.origLine.push(o.line);
      r.origCol.push(o.col);
      r.name.push(o.name);
    }
  }
  return r.scriptsMapped > 0 ? r : undefined;
}

/**
 * Distinct positions per script file, from every profile read of the run and of its
 * isolates: the frames of the stacks that hold sampled bytes (memkit's own agent, whose
 * nodes are emptied, is not the program's script without a map).
 */
function framePositionsByUrl(data: RunData): Map<string, Map<string, Position>> {
  const out = new Map<string, Map<string, Position>>();
  const records = [...data.alloc, ...[...data.isolates.values()].flatMap((i) => i.alloc)];
  for (const rec of records) {
    const onStack = new Uint8Array(rec.frames.url.length);
    const nodeSeen = new Uint8Array(rec.nodes.parent.length);
    for (let n = 1; n < rec.nodes.parent.length; n++) {
      if (!(rec.nodes.bytes[n]! > 0)) continue;
      // Up to the root, or to a node another stack already marked (and its ancestors with it).
      for (let m = n; m > 0 && nodeSeen[m] === 0; m = rec.nodes.parent[m]!) {
        nodeSeen[m] = 1;
        onStack[rec.nodes.frame[m]!] = 1;
      }
    }
    for (let i = 0; i < rec.frames.url.length; i++) {
      if (onStack[i] === 0) continue;
      const url = rec.strings[rec.frames.url[i]!]!;
      if (scriptPathOf(url) === undefined) continue;
      const line = rec.frames.line[i]!;
      const col = rec.frames.col[i]!;
      if (line < 0 || col < 0) continue;
      let positions = out.get(url);
      if (!positions) out.set(url, (positions = new Map()));
      positions.set(`${line}:${col}`, { line, col });
    }
  }
  return out;
}

/** A script url V8 gives as a file (an absolute path for CommonJS, `file://` for ES modules); undefined for `node:`, eval, builtins. */
function scriptPathOf(url: string): string | undefined {
  if (url.startsWith('file://')) {
    try {
      return fileURLToPath(url);
    } catch {
      return undefined;
    }
  }
  return url.startsWith('/') ? url : undefined;
}

export interface LoadedSourceMap {
  map: SourceMap;
  /** Where relative `sources` resolve from: the .map file's folder, or the script's for an inline map. */
  dir: string;
  sourceRoot: string;
}

/** A script's source map, or undefined (no map, unreadable, or not a map: the frames keep their generated position). */
export function sourceMapOfScript(url: string): LoadedSourceMap | undefined {
  const path = scriptPathOf(url);
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const ref = sourceMappingUrlOf(text);
  if (ref?.startsWith('data:')) return loaded(payloadOfDataUrl(ref), dirname(path));
  const mapPath = ref !== undefined ? resolveRef(ref, dirname(path)) : `${path}.map`;
  if (mapPath === undefined) return undefined;
  try {
    return loaded(JSON.parse(readFileSync(mapPath, 'utf8')), dirname(mapPath));
  } catch {
    return undefined;
  }
}

/** The last `//# sourceMappingURL=` (or the older `//@`) comment: the one the compiler appended. */
function sourceMappingUrlOf(text: string): string | undefined {
  const re = /^[ \t]*\/\/[#@][ \t]+sourceMappingURL=[ \t]*(\S+)[ \t]*$/gm;
  let last: string | undefined;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) last = m[1];
  return last;
}

function resolveRef(ref: string, scriptDir: string): string | undefined {
  if (ref.startsWith('file://')) {
    try {
      return fileURLToPath(ref);
    } catch {
      return undefined;
    }
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(ref)) return undefined; // http: and the like: memkit fetches nothing
  try {
    return resolve(scriptDir, decodeURI(ref));
  } catch {
    return undefined;
  }
}

function payloadOfDataUrl(url: string): unknown {
  const comma = url.indexOf(',');
  if (comma < 0) return undefined;
  const meta = url.slice(0, comma);
  const body = url.slice(comma + 1);
  try {
    return JSON.parse(meta.endsWith(';base64') ? Buffer.from(body, 'base64').toString('utf8') : decodeURIComponent(body));
  } catch {
    return undefined;
  }
}

function loaded(payload: unknown, dir: string): LoadedSourceMap | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const p = payload as SourceMapPayload & { sections?: unknown };
  if (!Array.isArray(p.sources) && !Array.isArray(p.sections)) return undefined;
  try {
    return { map: new SourceMap(p), dir, sourceRoot: typeof p.sourceRoot === 'string' ? p.sourceRoot : '' };
  } catch {
    return undefined;
  }
}

/**
 * The original position of a generated one: the map's entry at or before it on the same
 * line (findEntry alone falls back to an earlier line, which is another statement); the
 * source resolved against the map's sourceRoot and folder. 1-based line and column.
 */
export function originalPosition(m: LoadedSourceMap, p: Position): { file: string; line: number; col: number; name: string | null } | undefined {
  const e = m.map.findEntry(p.line, p.col) as Partial<{ generatedLine: number; originalSource: string; originalLine: number; originalColumn: number; name: string }>;
  if (e.generatedLine !== p.line || typeof e.originalSource !== 'string' || typeof e.originalLine !== 'number') return undefined;
  return { file: sourceFileOf(m, e.originalSource), line: e.originalLine + 1, col: (e.originalColumn ?? 0) + 1, name: e.name ?? null };
}

function sourceFileOf(m: LoadedSourceMap, source: string): string {
  const rooted = m.sourceRoot !== '' && !isAbsolute(source) && !/^[a-z][a-z0-9+.-]*:/i.test(source) ? `${m.sourceRoot.replace(/\/?$/, '/')}${source}` : source;
  if (rooted.startsWith('file://')) {
    try {
      return fileURLToPath(rooted);
    } catch {
      return rooted;
    }
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(rooted)) return rooted; // webpack:// and the like: as the map names it
  return resolve(m.dir, rooted);
}
