import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { BucketedLatencyHistogram } from './latency-histogram.js';

/**
 * Every metric memkit serves on /metrics, in one registry of its own: not prom-client's
 * global one and no `collectDefaultMetrics()`, which would describe memkit's own process,
 * not the measured child. Names follow Prometheus conventions: `memkit_` prefix, base
 * units (seconds, bytes), `_total` on counters. Every series has a `run` label (1-based
 * index of the run, for --repeat) on top of the run labels the registry adds to all
 * (command, scenario, variant, target, run_id).
 */

/** Seconds; seed 000's target is GC pause P95 < 50 ms. */
export const GC_PAUSE_BOUNDS_SECONDS: readonly number[] = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
];

export type MetricFamilies = ReturnType<typeof createMetricFamilies>;

export function createMetricFamilies(constLabels: Record<string, string>) {
  const registry = new Registry();
  registry.setDefaultLabels(constLabels);
  const registers = [registry];
  const latency = new BucketedLatencyHistogram(
    'memkit_step_latency_seconds',
    'Latency of each scenario step (from its intended start under --rate).',
  );
  registry.registerMetric(latency as unknown as Counter);
  return {
    registry,
    runInfo: new Gauge({
      name: 'memkit_run_info',
      help: 'The measured child of a run (always 1): pid, Node and V8 versions, agent mode.',
      labelNames: ['run', 'pid', 'node_version', 'v8_version', 'mode'],
      registers,
    }),
    runEnded: new Gauge({
      name: 'memkit_run_ended',
      help: 'Set to 1 when a run has ended, labelled with how: complete, interrupted or crashed.',
      labelNames: ['run', 'status'],
      registers,
    }),
    gcCollections: new Counter({
      name: 'memkit_gc_collections_total',
      help: "GCs of the program in the measured window, by kind (memkit's checkpoint GCs left out); ends equal to the baseline's gc.count.<kind>.",
      labelNames: ['run', 'kind'],
      registers,
    }),
    gcPause: new Histogram({
      name: 'memkit_gc_pause_seconds',
      help: 'Main-thread time of each GC counted in memkit_gc_collections_total, by kind.',
      labelNames: ['run', 'kind'],
      buckets: [...GC_PAUSE_BOUNDS_SECONDS],
      registers,
    }),
    rss: new Gauge({
      name: 'memkit_process_resident_memory_bytes',
      help: 'Resident set size of the measured child, sampled from outside (/proc).',
      labelNames: ['run'],
      registers,
    }),
    cpu: new Counter({
      name: 'memkit_process_cpu_seconds_total',
      help: 'User + system CPU time of the measured child, sampled from outside.',
      labelNames: ['run'],
      registers,
    }),
    heapUsed: new Gauge({
      name: 'memkit_heap_used_bytes',
      help: "V8 heap used by the measured child (process.memoryUsage().heapUsed, latest sample).",
      labelNames: ['run'],
      registers,
    }),
    heapTotal: new Gauge({
      name: 'memkit_heap_total_bytes',
      help: 'V8 heap reserved by the measured child (heapTotal, latest sample).',
      labelNames: ['run'],
      registers,
    }),
    external: new Gauge({
      name: 'memkit_external_memory_bytes',
      help: 'Memory of C++ objects bound to JavaScript, array buffers included (external, latest sample).',
      labelNames: ['run'],
      registers,
    }),
    liveMemory: new Gauge({
      name: 'memkit_live_memory_bytes',
      help: "Memory still in use right after memkit's latest forced GC (window edges, warm-up end, GC checkpoints), by area (heap, external); their sum is what mem-stress's leak verdict follows.",
      labelNames: ['run', 'area'],
      registers,
    }),
    allocationRate: new Gauge({
      name: 'memkit_allocation_rate_bytes_per_second',
      help: 'Bytes allocated on the V8 heap per second over the last minute of the measured window.',
      labelNames: ['run'],
      registers,
    }),
    steps: new Counter({
      name: 'memkit_steps_total',
      help: 'Scenario steps (signals) completed.',
      labelNames: ['run'],
      registers,
    }),
    latency,
    customCounter: new Counter({
      name: 'memkit_custom_counter_total',
      help: "A scenario counter (ctx.count(name)), by its name as the scenario wrote it.",
      labelNames: ['run', 'name'],
      registers,
    }),
    customGauge: new Gauge({
      name: 'memkit_custom_gauge',
      help: 'A scenario gauge (ctx.gauge(name)), by its name as the scenario wrote it.',
      labelNames: ['run', 'name'],
      registers,
    }),
    cacheHitRatio: new Gauge({
      name: 'memkit_cache_hit_ratio',
      help: "hits / (hits + misses) since the run began, for each counter pair <cache>.hit/<cache>.miss; ends equal to the baseline's custom.<cache>.hit_ratio.",
      labelNames: ['run', 'cache'],
      registers,
    }),
    phaseSeconds: new Counter({
      name: 'memkit_phase_seconds_total',
      help: 'Time spent in each scenario phase (ctx.phase(name)).',
      labelNames: ['run', 'phase'],
      registers,
    }),
  };
}
