import { GcHooksRecorder } from './gc-hooks-recorder.js';
import { GcObserverRecorder } from './gc-observer-recorder.js';
import type { GcRecorder } from './gc-recorder.js';
import { startGcRecording, type GcSources } from './start-gc-recording.js';

/**
 * The recorder over the sources started by startGcRecording: now, or earlier by the
 * preload (then what they recorded in between is read too). See gc-recorder.ts.
 */
export function createGcRecorder(sources: GcSources = startGcRecording()): GcRecorder {
  return sources.kind === 'hooks' ? new GcHooksRecorder(sources.hooks) : new GcObserverRecorder(sources.observer);
}
