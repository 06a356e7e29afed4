import os from 'node:os';
import type { Environment } from './schema.js';
import type { GcHeapSource } from '../samples/protocol.js';

/**
 * The machine and runtime a measurement ran on; `diff` warns when two runs differ in
 * what makes their numbers incomparable (Node/V8, CPU, cores, flags). The child reports
 * its own Node and V8 versions (a command may run another node binary than memkit's).
 */
export function describeEnvironment(
  nodeFlags: string[],
  child?: { node: string; v8: string; gcHeapSource?: GcHeapSource; runtime?: 'node' | 'python'; python?: string },
): Environment {
  const cpus = os.cpus();
  return {
    ...(child?.runtime === 'python' ? { runtime: 'python' as const, ...(child.python ? { python: child.python } : {}) } : {}),
    node: child?.node ?? process.version,
    v8: child?.v8 ?? process.versions.v8,
    platform: process.platform,
    arch: process.arch,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCount: os.availableParallelism?.() ?? cpus.length,
    totalMemoryBytes: os.totalmem(),
    hostname: os.hostname(),
    nodeFlags,
    ...(child?.gcHeapSource ? { gcHeapSource: child.gcHeapSource } : {}),
  };
}

/** The report's remark when the agent measured GC heap figures the costlier way. */
export function gcHeapSourceNote(child?: { gcHeapSource?: GcHeapSource }): string | undefined {
  if (child?.gcHeapSource === 'gc-profiler') {
    return "GCs recorded with PerformanceObserver and v8.GCProfiler (memkit's native gc-hooks addon is not built, or MEMKIT_GC_HOOKS=0): " +
      'the agent costs more on programs with many GCs and can shift how V8 sizes a busy young generation';
  }
  if (child?.gcHeapSource === 'none') return 'no per-GC heap figures on this Node (no v8.GCProfiler): allocation rate unavailable';
  return undefined;
}
