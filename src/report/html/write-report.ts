import { resolve } from 'node:path';
import { ensureParentDir } from '../../baseline/io.js';
import { UsageError } from '../../core/errors.js';
import { memkitVersion } from '../../core/version.js';
import { writeFileAtomic } from '../../core/atomic-write.js';
import type { Baseline } from '../../baseline/schema.js';
import type { RunData } from '../../samples/run-data.js';
import { liveSide, type ReportSide } from '../inputs.js';
import { renderHtmlReport, type ReportOptions } from './page.js';

/**
 * Renders the report and writes it atomically (a reader never sees half a page). Refuses
 * to write over one of its own inputs.
 */
export function writeHtmlReport(htmlPath: string, sides: ReportSide[], opts: ReportOptions = {}): { bytes: number } {
  const target = resolve(htmlPath);
  for (const s of sides) {
    const inputs = [s.path, ...s.runs.map((r) => r.samplesPath)].filter((p): p is string => p !== undefined);
    if (inputs.some((p) => resolve(p) === target)) throw new UsageError(`--html ${htmlPath}: that is one of the report's inputs; choose another file`);
  }
  const page = renderHtmlReport(sides, { memkitVersion: memkitVersion(), ...opts });
  ensureParentDir(htmlPath);
  writeFileAtomic(htmlPath, page);
  return { bytes: Buffer.byteLength(page) };
}

/**
 * The report of runs just measured (gc-profile --html, mem-stress --html): the samples are
 * still in memory, so nothing is read back.
 */
export function writeLiveHtmlReport(
  htmlPath: string,
  baselinePath: string,
  baseline: Baseline,
  runs: Array<{ data: RunData; samplesPath?: string }>,
): { bytes: number } {
  const side = liveSide(baselinePath, baseline, runs.map((r) => r.data), runs.map((r) => r.samplesPath ?? ''));
  return writeHtmlReport(htmlPath, [side]);
}
