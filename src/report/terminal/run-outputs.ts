import { resolve } from 'node:path';
import type { Baseline } from '../../baseline/schema.js';
import { UsageError } from '../../core/errors.js';
import type { RunData } from '../../samples/run-data.js';

/**
 * What gc-profile and mem-stress add after their tables: on a TTY a sparkline of RSS and
 * heap under the tables, and with --html FILE the HTML report of the runs just measured.
 * The command decides what stdout is; the renderers only return strings.
 */
export interface MeasuredResult {
  baseline: Baseline;
  baselinePath: string;
  runs: Array<{ outcome: { data: RunData; samplesPath?: string } }>;
}

export async function writeRunOutputs(
  result: MeasuredResult,
  opts: { json: boolean; html?: unknown; color: boolean; stdout: { isTTY?: boolean; columns?: number } },
): Promise<void> {
  const first = result.runs[0]?.outcome.data;
  if (!opts.json && opts.stdout.isTTY && first) {
    const { renderMemorySparklines, sparkWidth } = await import('./sparkline.js');
    const spark = renderMemorySparklines(first, { width: sparkWidth(opts.stdout.columns), color: opts.color });
    if (spark) process.stdout.write('\n' + spark + '\n');
  }
  if (typeof opts.html === 'string') {
    const { writeLiveHtmlReport } = await import('../html/write-report.js');
    writeLiveHtmlReport(opts.html, result.baselinePath, result.baseline, result.runs.map((r) => r.outcome));
    process.stderr.write(`report written: ${opts.html}\n`);
  }
}

/** Checked before anything runs: --html must not name the baseline the run will write. */
export function checkHtmlPath(html: unknown, outPath: string | undefined): void {
  if (typeof html === 'string' && outPath !== undefined && resolve(html) === resolve(outPath)) {
    throw new UsageError(`--html ${html}: that is the baseline's own file (--out); choose another`);
  }
}
