import { fileURLToPath } from 'node:url';
import { UsageError } from '../core/errors.js';
import type { JobPhaseMessage } from '../samples/protocol.js';
import type { RunData } from '../samples/run-data.js';
import { jobChild } from '../run/job-child.js';
import { startChild, type RunOutcome } from '../run/runtime.js';
import type { PhaseOf, SimilarityJob, SimilarityPhase } from './child-protocol.js';

/**
 * One similarity computation, measured: the child (child.ts) runs as a job child of
 * memkit's one child runtime, which samples its RSS from outside, appends every sample and
 * phase to the run's samples file as they arrive (the same dialect every run uses, so
 * `memkit report` charts it), and reads the kernel's high-water mark of its RSS before
 * letting it exit. This module reads the outcome as similarity-build needs it.
 */

export interface SimilarityRun extends RunOutcome {
  /** Highest RSS seen by the outside sampler. */
  sampledPeakRssBytes: number;
  /** VmHWM from /proc/<pid>/status just before exit (Linux), else undefined. */
  hwmRssBytes?: number;
  /** max(sampled, high-water mark): the figure reported as the measured peak. */
  peakRssBytes: number;
  wallMs: number;
  loaded?: PhaseOf<'loaded'>;
  computed?: PhaseOf<'computed'>;
  written?: PhaseOf<'written'>;
}

export interface SimilarityRunOptions {
  sampleIntervalMs: number;
  /** The run's samples file (JSON lines). */
  samplesPath: string;
  /** For the samples file's header: the build's run id, and which of its runs this is. */
  runId: string;
  index: number;
  onProgress?: (rowsDone: number, rows: number) => void;
  onPhase?: (phase: SimilarityPhase) => void;
  /** Aborted (Ctrl-C): the child is stopped and the run reported as interrupted. */
  signal?: AbortSignal;
}

const CHILD = fileURLToPath(new URL('./child.js', import.meta.url));

export async function runSimilarityJob(job: SimilarityJob, opts: SimilarityRunOptions): Promise<SimilarityRun> {
  const kind = jobChild({
    entry: CHILD,
    job,
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    // The child sends only similarity phases.
    ...(opts.onPhase ? { onPhase: (p: JobPhaseMessage) => opts.onPhase!(p as SimilarityPhase) } : {}),
  });
  const handle = startChild(kind, {
    intervalMs: opts.sampleIntervalMs,
    samplesPath: opts.samplesPath,
    header: {
      runId: opts.runId,
      index: opts.index,
      target: { type: 'similarity', inputs: job.inputLabels },
      settings: {
        strategy: job.strategy,
        k: job.k,
        microBatch: job.microBatch,
        workers: job.workers,
        kernel: job.kernel,
        rows: { start: job.rowStart, end: job.rowEnd },
      },
    },
  });
  const stop = () => handle.control.stop('sigint');
  opts.signal?.addEventListener('abort', stop, { once: true });
  if (opts.signal?.aborted) stop();
  let outcome: RunOutcome;
  try {
    outcome = await handle.result;
  } finally {
    opts.signal?.removeEventListener('abort', stop);
  }
  if (outcome.data.error?.usage) throw new UsageError(outcome.data.error.message);
  return similarityRunOf(outcome);
}

function similarityRunOf(outcome: RunOutcome): SimilarityRun {
  const { data } = outcome;
  const sampled = data.proc.rssBytes.reduce((a, b) => Math.max(a, b), 0);
  const hwm = data.rssHighWaterMark?.rssBytes;
  const loaded = phaseOf(data, 'loaded');
  const computed = phaseOf(data, 'computed');
  const written = phaseOf(data, 'written');
  return {
    ...outcome,
    sampledPeakRssBytes: sampled,
    ...(hwm !== undefined ? { hwmRssBytes: hwm } : {}),
    peakRssBytes: Math.max(sampled, hwm ?? 0),
    wallMs: outcome.endedAtMs - outcome.startedAtMs,
    ...(loaded ? { loaded } : {}),
    ...(computed ? { computed } : {}),
    ...(written ? { written } : {}),
  };
}

function phaseOf<N extends SimilarityPhase['phase']>(data: RunData, name: N): PhaseOf<N> | undefined {
  // Every job-phase record of this run came from child.ts, which sends only similarity phases.
  return data.jobPhases.find((p) => p.phase === name) as PhaseOf<N> | undefined;
}
