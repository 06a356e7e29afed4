import { installGcHooks, loadGcHooks, type InstalledGcHooks } from './gc-hooks-addon.js';
import { startGcObserverSources, type GcObserverSources } from './gc-observer-sources.js';

/**
 * Starts recording GCs from the best source this process has (the gc-hooks addon, else
 * the observer and GCProfiler). Node built-ins only: the preload calls it before it loads
 * the rest of the agent, whose recorder then adopts the sources (create-gc-recorder.ts).
 */
export type GcSources = { kind: 'hooks'; hooks: InstalledGcHooks } | { kind: 'observer'; observer: GcObserverSources };

export function startGcRecording(): GcSources {
  const addon = loadGcHooks();
  return addon ? { kind: 'hooks', hooks: installGcHooks(addon) } : { kind: 'observer', observer: startGcObserverSources() };
}
