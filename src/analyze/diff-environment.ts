import type { Environment } from '../baseline/schema.js';

/**
 * Runs on different Node/V8 versions, CPUs, core counts or V8 flags do not produce
 * comparable numbers (a new V8 changes GC heuristics; --max-semi-space-size changes every
 * minor-GC count), so diff names each difference.
 */

export interface EnvironmentDifference {
  field: 'runtime' | 'python' | 'node' | 'v8' | 'cpuModel' | 'cpuCount' | 'nodeFlags' | 'platform' | 'arch';
  label: string;
  base: string[];
  current: string[];
}

const FIELDS: Array<{ field: EnvironmentDifference['field']; label: string; read(e: Partial<Environment>): string }> = [
  { field: 'runtime', label: 'runtime', read: (e) => str(e.runtime ?? 'node') },
  { field: 'python', label: 'Python version', read: (e) => str(e.python ?? '') },
  { field: 'node', label: 'Node.js version', read: (e) => str(e.node) },
  { field: 'v8', label: 'V8 version', read: (e) => str(e.v8) },
  { field: 'cpuModel', label: 'CPU model', read: (e) => str(e.cpuModel) },
  { field: 'cpuCount', label: 'CPU count', read: (e) => str(e.cpuCount) },
  { field: 'nodeFlags', label: 'V8/Node flags', read: (e) => (Array.isArray(e.nodeFlags) ? e.nodeFlags.join(' ') || '(none)' : '?') },
  { field: 'platform', label: 'platform', read: (e) => str(e.platform) },
  { field: 'arch', label: 'architecture', read: (e) => str(e.arch) },
];

/** Every field whose values are not all the same across both sides' files. */
export function compareEnvironments(base: readonly Environment[], current: readonly Environment[]): EnvironmentDifference[] {
  const out: EnvironmentDifference[] = [];
  for (const { field, label, read } of FIELDS) {
    const b = unique(base.map(read));
    const c = unique(current.map(read));
    if (new Set([...b, ...c]).size > 1) out.push({ field, label, base: b, current: c });
  }
  return out;
}

export function describeEnvironmentDifference(d: EnvironmentDifference): string {
  const show = (v: string[]) => v.map((s) => (s === '' ? "''" : s)).join(' | ');
  const verb = d.field === 'nodeFlags' ? 'differ' : 'differs';
  return `${d.label} ${verb}: base ${show(d.base)}, current ${show(d.current)}; the numbers are not directly comparable`;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function str(v: unknown): string {
  return v === undefined || v === null ? '?' : String(v);
}
