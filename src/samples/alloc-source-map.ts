/**
 * A parent record (`--alloc-sites`): where the run's sampled frames come from in the
 * original sources, through each script's source map, resolved by the parent at the end of
 * the run (run/alloc-source-maps.ts). In the samples file, the run stays replayable after
 * the .map files move or vanish, and the report reads no file.
 *
 * Positions are keyed by the generated frame (script url, V8's 0-based line and column of
 * the function's start), not by a record's frame index: every profile record has its own
 * frame table, and one position may be in many of them.
 */
export interface AllocSourceMapRecord {
  type: 'alloc-source-map';
  tMs: number;
  /** Per mapped position, generated: the script's url as V8 gave it, 0-based line and column. */
  url: string[];
  line: number[];
  col: number[];
  /** … and original: the source file (absolute path, or the map's url when it is not a file), 1-based line and column, and the map's name there (null: none). */
  file: string[];
  origLine: number[];
  origCol: number[];
  name: (string | null)[];
  /** Scripts of the sampled frames with a source map, and those without one (their frames keep the generated position). */
  scriptsMapped: number;
  scriptsWithoutMap: number;
  /** Positions of mapped scripts the map has no entry for on their line (they keep the generated position). */
  positionsUnmapped: number;
}
