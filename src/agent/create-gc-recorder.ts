import { createRequire } from 'node:module';
import { GcHooksRecorder, type GcHooksAddon } from './gc-hooks-recorder.js';
import { GcObserverRecorder } from './gc-observer-recorder.js';
import type { GcRecorder } from './gc-recorder.js';

/** The gc-hooks addon where it is built, else the observer (see gc-recorder.ts). */
export function createGcRecorder(): GcRecorder {
  const hooks = loadGcHooks();
  return hooks ? new GcHooksRecorder(hooks) : new GcObserverRecorder();
}

function loadGcHooks(): GcHooksAddon | undefined {
  if (process.env.MEMKIT_GC_HOOKS === '0') return undefined;
  try {
    const require = createRequire(import.meta.url);
    return require('../../../native/gc-hooks/build/Release/memkit_gc_hooks.node') as GcHooksAddon;
  } catch {
    return undefined; // not built (or another Node ABI): the observer and GCProfiler instead
  }
}
