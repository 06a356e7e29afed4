import type { ProgressMessage } from '../samples/protocol.js';

/**
 * Time per phase, as seed 004's PerformanceMonitor reports it: each phase's share of the
 * time spent in all phases, and the bottleneck — a phase taking more than half of it.
 */
export interface PhaseStat {
  name: string;
  count: number;
  totalMs: number;
  meanMs: number;
  share: number;
}

export interface PhaseReport {
  phases: PhaseStat[];
  totalMs: number;
  bottleneck?: string;
}

export function phaseReport(
  final: ProgressMessage | undefined,
  atWarmupEnd: ProgressMessage | undefined,
  order: string[] = [],
): PhaseReport | undefined {
  if (!final || Object.keys(final.phases).length === 0) return undefined;
  const names = [...order.filter((n) => n in final.phases), ...Object.keys(final.phases).filter((n) => !order.includes(n))];
  const stats = names.map((name) => {
    const end = final.phases[name]!;
    const begin = atWarmupEnd?.phases[name] ?? { count: 0, totalMs: 0 };
    const count = end.count - begin.count;
    const totalMs = end.totalMs - begin.totalMs;
    return { name, count, totalMs, meanMs: count > 0 ? totalMs / count : 0, share: 0 };
  });
  const totalMs = stats.reduce((s, p) => s + p.totalMs, 0);
  for (const p of stats) p.share = totalMs > 0 ? p.totalMs / totalMs : 0;
  const bottleneck = stats.find((p) => p.share > 0.5)?.name;
  return { phases: stats, totalMs, ...(bottleneck ? { bottleneck } : {}) };
}
