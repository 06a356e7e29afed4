import type { AllocSourceMapRecord } from '../samples/alloc-source-map.js';
import type { OriginalPosition } from './alloc-frames.js';

/**
 * The run's source-map record (resolved by the parent at the run's end) as a lookup from a
 * generated frame position (script url, V8's 0-based line and column) to its original one.
 * Pure: the files were read when the run ended, so a replayed samples file maps the same.
 */
export interface OriginalPositions {
  of(url: string, line: number, col: number): OriginalPosition | undefined;
  /** Scripts whose frames were mapped, and those without a map. */
  scriptsMapped: number;
  scriptsWithoutMap: number;
}

export const NO_ORIGINAL_POSITIONS: OriginalPositions = { of: () => undefined, scriptsMapped: 0, scriptsWithoutMap: 0 };

export function originalPositionsOf(r: AllocSourceMapRecord | undefined): OriginalPositions {
  if (!r) return NO_ORIGINAL_POSITIONS;
  const byKey = new Map<string, OriginalPosition>();
  for (let i = 0; i < r.url.length; i++) {
    byKey.set(positionKey(r.url[i]!, r.line[i]!, r.col[i]!), { file: r.file[i]!, line: r.origLine[i]!, col: r.origCol[i]!, name: r.name[i] ?? null });
  }
  return {
    of: (url, line, col) => byKey.get(positionKey(url, line, col)),
    scriptsMapped: r.scriptsMapped,
    scriptsWithoutMap: r.scriptsWithoutMap,
  };
}

function positionKey(url: string, line: number, col: number): string {
  return `${line}:${col}:${url}`;
}
