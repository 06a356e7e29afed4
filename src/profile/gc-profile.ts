import { analyzeRun, type RunAnalysis } from '../analyze/run-metrics.js';
import { measureSession, type SessionResult, type SessionSettings } from './baseline-session.js';
import type { ProgressSink } from './session.js';
import { gcRunExtra } from './run-extra.js';
import type { PythonGcSettings } from '../samples/protocol.js';

/** gc-profile's settings: the session's own, and a sweep's setting for this series. */
export interface GcProfileSettings extends SessionSettings {
  /** Python: the collector setting the agent applies (a sweep's gc.threshold / gc.freeze). */
  pythonGc?: PythonGcSettings;
  /** A sweep's setting, as the baseline records it ("gc.threshold=7000,10,10"). */
  sweepSetting?: string;
}

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
        ...(s.sweepSetting !== undefined ? { sweepSetting: s.sweepSetting } : {}),
      },
      agent: { intervalMs: s.intervalMs, durationMs: s.durationMs, maxSteps: s.maxSteps, allocSites: s.allocSites, pythonGc: s.pythonGc },
      analyze: (data) => analyzeRun(data),
      extra: (runs) => ({ runs: runs.map(gcRunExtra) }),
    },
    progress,
  );
}
