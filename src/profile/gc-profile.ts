import { analyzeRun, type RunAnalysis } from '../analyze/run-metrics.js';
import { measureSession, type SessionResult, type SessionSettings } from './baseline-session.js';
import type { ProgressSink } from './session.js';
import { gcRunExtra } from './run-extra.js';

/** gc-profile's settings are the session's own: it adds no option of its kind. */
export type GcProfileSettings = SessionSettings;

export type GcProfileResult = SessionResult<'gc-profile', RunAnalysis>;

/**
 * gc-profile: measure a scenario or command `repeat` times and fold the runs into one
 * baseline with every run's GC details. Nothing is printed here; progress goes to the
 * command's sink, and the command renders and writes.
 */
export function profileGc(s: GcProfileSettings, progress?: ProgressSink): Promise<GcProfileResult> {
  return measureSession(
    s,
    {
      kind: 'gc-profile',
      settings: {
        durationMs: s.durationMs ?? null,
        maxSteps: s.maxSteps ?? null,
        intervalMs: s.intervalMs,
        repeat: s.repeat,
        timeoutMs: s.timeoutMs ?? null,
      },
      agent: { intervalMs: s.intervalMs, durationMs: s.durationMs, maxSteps: s.maxSteps, allocSites: s.allocSites },
      analyze: (data) => analyzeRun(data),
      extra: (runs) => ({ runs: runs.map(gcRunExtra) }),
    },
    progress,
  );
}
