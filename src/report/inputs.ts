import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Baseline } from '../baseline/schema.js';
import { readRunData, type RunData } from '../samples/run-data.js';
import { processesOf } from '../baseline/sections.js';
import { mergedView, parseProcessSelection, ProcessSelectionMiss, type ProcessSelection } from '../analyze/process-selection.js';

/**
 * What a report is made from: one baseline (or two, compared), and for each of its runs the
 * raw samples, read back from the run's .jsonl file with the reducer the live run used, or
 * handed over in memory by a command that has just measured them.
 */

export interface RunSamples {
  index: number;
  /** The samples file as the baseline names it, resolved against the baseline's folder. */
  samplesPath?: string;
  data?: RunData;
  /** Why there are no charts for this run (missing file, unreadable, ...). */
  problem?: string;
  /** Lines of the file that were not JSON (a kill mid-write); skipped. */
  badLines: number;
}

export interface ReportSide {
  /** The baseline file, as the user named it (absent for a baseline not yet written). */
  path?: string;
  baseline: Baseline;
  runs: RunSamples[];
}

/** `process`: a selection asked for (`memkit report --process`), instead of the one the baseline recorded. */
export async function loadSide(path: string, baseline: Baseline, opts: { process?: ProcessSelection } = {}): Promise<ReportSide> {
  const runs: RunSamples[] = [];
  for (const [i, run] of baseline.runs.entries()) {
    const index = run.index ?? i;
    if (!run.samplesFile) {
      // A heap summary (mem-snapshot) has no time series: nothing is missing.
      runs.push({ index, badLines: 0 });
      continue;
    }
    const samplesPath = resolve(dirname(path), run.samplesFile);
    if (!existsSync(samplesPath)) {
      runs.push({ index, samplesPath, badLines: 0, problem: `samples file ${samplesPath} not found` });
      continue;
    }
    let read: Awaited<ReturnType<typeof readRunData>>;
    try {
      read = await readRunData(samplesPath);
    } catch (err) {
      runs.push({ index, samplesPath, badLines: 0, problem: `samples file ${samplesPath} could not be read (${(err as Error).message})` });
      continue;
    }
    runs.push({ index, samplesPath, data: selectedView(baseline, read.data, opts.process), badLines: read.badLines });
  }
  return { path, baseline, runs };
}

/**
 * A command's run as its figures describe it: the selected processes merged into the
 * top-level view the charts and sparkline read (a tree run's own top level is empty).
 * A selection asked for that matches nothing is the user's error (one line, exit 2); the
 * recorded one always matched when the baseline was written.
 */
function selectedView(b: Baseline, data: RunData, asked: ProcessSelection | undefined): RunData {
  if (b.target.type !== 'command') return data;
  if (asked) return mergedView(data, asked);
  try {
    return mergedView(data, parseProcessSelection(processesOf(b)?.selection ?? 'all'));
  } catch (err) {
    if (err instanceof ProcessSelectionMiss) return data;
    throw err;
  }
}

/** A side whose runs were measured just now (gc-profile --html): no file to read back. */
export function liveSide(path: string | undefined, baseline: Baseline, data: RunData[], samplesPaths: string[] = []): ReportSide {
  return { path, baseline, runs: data.map((d, index) => ({ index, data: d, samplesPath: samplesPaths[index] || undefined, badLines: 0 })) };
}
