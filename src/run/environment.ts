import os from 'node:os';
import type { Environment } from '../baseline/schema.js';

/**
 * The machine and runtime a measurement ran on; `diff` warns when two runs differ in
 * what makes their numbers incomparable (Node/V8, CPU, cores, flags). The child reports
 * its own Node and V8 versions (a command may run another node binary than memkit's).
 */
export function describeEnvironment(nodeFlags: string[], child?: { node: string; v8: string }): Environment {
  const cpus = os.cpus();
  return {
    node: child?.node ?? process.version,
    v8: child?.v8 ?? process.versions.v8,
    platform: process.platform,
    arch: process.arch,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCount: os.availableParallelism?.() ?? cpus.length,
    totalMemoryBytes: os.totalmem(),
    hostname: os.hostname(),
    nodeFlags,
  };
}
