/**
 * The metric registry: every metric name memkit writes, with its unit and which
 * direction is better. Names carry their unit (DESIGN.md); patterns cover families
 * whose members are named at run time (custom.<counter>, heap.class.<Ctor>.*).
 */

export type Unit = 'bytes' | 'ms' | 'count' | 'ratio' | 'bytes_per_s' | 'bytes_per_min' | 'per_s' | 'none';
export type Better = 'lower' | 'higher' | 'none';
/** Families share default diff thresholds (see analyze/diff). */
export type Family = 'memory' | 'slope' | 'gc-count' | 'gc-pause' | 'gc-ratio' | 'rate' | 'latency' | 'custom' | 'heap-class' | 'time' | 'alloc-site';

export interface MetricSpec {
  unit: Unit;
  better: Better;
  family: Family;
  description: string;
  /** A count or size can never be below zero; a value that is means a corrupt file. */
  nonNegative: boolean;
  /**
   * Set for a metric `memkit diff` shows but does not let fail a build unless --metrics
   * names it: why it is too noisy between runs of the same code to gate on by default.
   */
  notDecidingByDefault?: string;
}

const spec = (unit: Unit, better: Better, family: Family, description: string, nonNegative = true): MetricSpec => ({
  unit,
  better,
  family,
  description,
  nonNegative,
});

/**
 * Why some metrics only decide when named: each moved between runs of the same code in
 * bench/diff-noise.mjs (see docs/ci.md), or is set by a single event per run. Every one
 * of them adds a test to the family the correction divides alpha over, costing the others
 * power, for a metric a steadier one already covers.
 */
const NOT_DECIDING: Readonly<Record<string, string>> = {
  'rss.slope_bytes_per_min': 'a least-squares slope over a short window follows the GC sawtooth (+89 % between two sets of 2 s runs of the same code; fired once in 20 same-vs-same diffs); rss.growth_bytes decides',
  'heap.used.slope_bytes_per_min': 'a slope over a short window follows the GC sawtooth; heap.used.growth_bytes (after forced GCs) decides',
  'heap.used.peak_bytes': 'set by where one sample falls on the GC sawtooth, i.e. by one allocator step (fired once in 20 same-vs-same diffs); heap.used.end_bytes and growth decide',
  'heap.total.peak_bytes': 'V8 reserves heap in whole pages and semi-spaces: one growth step moves it by megabytes',
  'gc.pause.max_ms': 'one GC event per run; a CPU-contention episode on a shared machine tripled it (gc.pause.p95_ms decides)',
  'alloc.rate_bytes_per_s': 'per second of wall clock: moves with the machine\'s load (35-40 % between runs of the same code); alloc.bytes_per_op decides',
  'ops.rate_per_s': 'throughput of a fixed-duration run moves with the machine\'s load (35-40 % between runs of the same code)',
  'cpu.time_ms': 'CPU time of a fixed-duration run grows with the work done, which follows the machine\'s load',
};

export const METRICS: Readonly<Record<string, MetricSpec>> = {
  'rss.start_bytes': spec('bytes', 'lower', 'memory', 'RSS of the child at the start checkpoint (its own reading; the nearest outside sample for a non-Node command)'),
  'rss.end_bytes': spec('bytes', 'lower', 'memory', 'RSS of the child when measurement ended (read as at the start)'),
  'rss.peak_bytes': spec('bytes', 'lower', 'memory', 'highest RSS sampled'),
  // Python's own figure (python/memkit_agent/pymem.py): pymalloc's blocks are 8 to 512 bytes, so a count, never bytes.
  'python.allocated_blocks.peak': spec('count', 'lower', 'memory', 'Python: highest sys.getallocatedblocks() read (as collections start, every --interval at most)'),
  'python.allocated_blocks.growth': spec('count', 'lower', 'memory', 'Python: sys.getallocatedblocks() at the window\'s last reading minus its first', false),
  'rss.growth_bytes': spec('bytes', 'lower', 'memory', 'RSS at the end of the window minus at its start (mem-stress: after warm-up)', false),
  'rss.slope_bytes_per_min': spec('bytes_per_min', 'lower', 'slope', 'least-squares slope of RSS over time', false),
  'heap.used.start_bytes': spec('bytes', 'lower', 'memory', 'V8 heap used at the start checkpoint (after a forced GC)'),
  'heap.used.end_bytes': spec('bytes', 'lower', 'memory', 'V8 heap used at the end checkpoint (after a forced GC)'),
  'heap.used.peak_bytes': spec('bytes', 'lower', 'memory', 'highest V8 heap used sampled'),
  'heap.used.growth_bytes': spec('bytes', 'lower', 'memory', 'live heap growth between the start and end checkpoints', false),
  'heap.used.slope_bytes_per_min': spec('bytes_per_min', 'lower', 'slope', 'least-squares slope of heap used after each GC', false),
  'heap.total.peak_bytes': spec('bytes', 'lower', 'memory', 'highest V8 heap reserved (heapTotal) sampled'),
  'external.peak_bytes': spec('bytes', 'lower', 'memory', 'highest external + array buffer memory sampled'),
  'gc.count.minor': spec('count', 'lower', 'gc-count', 'minor GCs (Scavenge)'),
  'gc.count.major': spec('count', 'lower', 'gc-count', 'major GCs (Mark-Compact)'),
  'gc.count.incremental': spec('count', 'lower', 'gc-count', 'incremental marking rounds'),
  'gc.count.weakcb': spec('count', 'lower', 'gc-count', 'weak-callback processing passes'),
  // CPython's generations (memkit's Python agent, gc.callbacks): its own concept, its own names.
  'gc.count.gen0': spec('count', 'lower', 'gc-count', 'Python: generation-0 collections (gc.callbacks; = gc.get_stats()[0]["collections"] over the window)'),
  'gc.count.gen1': spec('count', 'lower', 'gc-count', 'Python: generation-1 collections'),
  'gc.count.gen2': spec('count', 'lower', 'gc-count', 'Python: generation-2 (full) collections'),
  'gc.collected': spec('count', 'none', 'gc-count', "Python: unreachable objects the collector freed (gc.callbacks' collected), all generations"),
  'gc.uncollectable': spec('count', 'lower', 'gc-count', 'Python: unreachable objects the collector could not free (gc.garbage), all generations'),
  'gc.collected.gen0': spec('count', 'none', 'gc-count', 'Python: objects freed by generation-0 collections'),
  'gc.collected.gen1': spec('count', 'none', 'gc-count', 'Python: objects freed by generation-1 collections'),
  'gc.collected.gen2': spec('count', 'none', 'gc-count', 'Python: objects freed by generation-2 collections'),
  'gc.uncollectable.gen0': spec('count', 'lower', 'gc-count', 'Python: uncollectable objects found by generation-0 collections'),
  'gc.uncollectable.gen1': spec('count', 'lower', 'gc-count', 'Python: uncollectable objects found by generation-1 collections'),
  'gc.uncollectable.gen2': spec('count', 'lower', 'gc-count', 'Python: uncollectable objects found by generation-2 collections'),
  'gc.pause.gen0.p95_ms': spec('ms', 'lower', 'gc-pause', 'Python: 95th percentile pause of generation-0 collections'),
  'gc.pause.gen1.p95_ms': spec('ms', 'lower', 'gc-pause', 'Python: 95th percentile pause of generation-1 collections'),
  'gc.pause.gen2.p95_ms': spec('ms', 'lower', 'gc-pause', 'Python: 95th percentile pause of generation-2 collections'),
  'gc.pause.gen0.total_ms': spec('ms', 'lower', 'gc-pause', 'Python: time spent in generation-0 collections'),
  'gc.pause.gen1.total_ms': spec('ms', 'lower', 'gc-pause', 'Python: time spent in generation-1 collections'),
  'gc.pause.gen2.total_ms': spec('ms', 'lower', 'gc-pause', 'Python: time spent in generation-2 collections'),
  'gc.pause.p50_ms': spec('ms', 'lower', 'gc-pause', 'median GC pause'),
  'gc.pause.p95_ms': spec('ms', 'lower', 'gc-pause', '95th percentile GC pause'),
  'gc.pause.p99_ms': spec('ms', 'lower', 'gc-pause', '99th percentile GC pause'),
  'gc.pause.max_ms': spec('ms', 'lower', 'gc-pause', 'longest GC pause'),
  'gc.pause.total_ms': spec('ms', 'lower', 'gc-pause', 'sum of all GC pauses'),
  'gc.time_ratio': spec('ratio', 'lower', 'gc-ratio', 'share of wall time spent in GC pauses'),
  'alloc.rate_bytes_per_s': spec('bytes_per_s', 'lower', 'rate', 'bytes allocated on the V8 heap per second (from heap before/after each GC)'),
  'alloc.bytes_per_op': spec('bytes', 'lower', 'rate', 'bytes allocated on the V8 heap per step'),
  'cpu.time_ms': spec('ms', 'lower', 'time', 'CPU time used by the child (user + system) in the window, from outside'),
  'ops.count': spec('count', 'none', 'custom', 'steps (signals; with --http, responses) completed'),
  'ops.rate_per_s': spec('per_s', 'higher', 'rate', 'steps (signals; with --http, responses per second of load) completed per second'),
  'latency.p50_ms': spec('ms', 'lower', 'latency', 'median step latency (with --http: of a request, from its intended send time)'),
  'latency.p95_ms': spec('ms', 'lower', 'latency', '95th percentile step latency (with --http: of a request, from its intended send time)'),
  'latency.p99_ms': spec('ms', 'lower', 'latency', '99th percentile step latency (with --http: of a request, from its intended send time)'),
  'latency.max_ms': spec('ms', 'lower', 'latency', 'longest step latency (with --http: of a request, from its intended send time)'),
  'latency.mean_ms': spec('ms', 'lower', 'latency', 'mean step latency (with --http: of a request, from its intended send time)'),
  'http.requests.count': spec('count', 'none', 'custom', 'mem-stress --http: requests sent (the whole load, warm-up included)'),
  'http.responses.count': spec('count', 'none', 'custom', 'mem-stress --http: responses received, any status (the whole load)'),
  'http.errors.status': spec('count', 'lower', 'custom', 'mem-stress --http: responses with a status that is not 2xx or 3xx'),
  'http.errors.timeout': spec('count', 'lower', 'custom', 'mem-stress --http: requests with no complete response within --http-timeout'),
  'http.errors.reset': spec('count', 'lower', 'custom', 'mem-stress --http: requests whose connection broke (ECONNRESET, EPIPE, socket closed)'),
  'http.errors.refused': spec('count', 'lower', 'custom', 'mem-stress --http: requests refused (nothing listened: ECONNREFUSED)'),
  'http.errors.other': spec('count', 'lower', 'custom', 'mem-stress --http: requests that failed otherwise'),
  'live.growth_bytes': spec('bytes', 'lower', 'memory', 'growth of live memory (heap + external after a forced GC) after warm-up', false),
  'live.slope_bytes_per_min': spec('bytes_per_min', 'lower', 'slope', 'least-squares slope of live memory at the forced-GC checkpoints after warm-up', false),
  'duration_ms': spec('ms', 'none', 'time', 'measured wall time'),
  'heap.snapshot.total_bytes': spec('bytes', 'lower', 'memory', 'sum of every node\'s self size in a heap snapshot'),
  'heap.snapshot.reachable_bytes': spec('bytes', 'lower', 'memory', 'retained size of a heap snapshot\'s root: what the roots keep alive'),
  'heap.snapshot.nodes.count': spec('count', 'lower', 'heap-class', 'nodes (objects, strings, code, ...) in a heap snapshot'),
  'heap.snapshot.classes.count': spec('count', 'none', 'heap-class', 'distinct constructors / node kinds in a heap snapshot'),
  'similarity.predicted_peak_bytes': spec('bytes', 'none', 'memory', 'similarity-build: peak RSS predicted before the run'),
  'similarity.peak_prediction_ratio': spec('ratio', 'none', 'memory', 'similarity-build: measured peak RSS / predicted peak'),
  'similarity.rss_hwm_bytes': spec('bytes', 'lower', 'memory', "similarity-build: the computing child's RSS high-water mark (VmHWM)"),
  'similarity.compute_ms': spec('ms', 'lower', 'time', 'similarity-build: time of the top-K computation'),
  'similarity.load_ms': spec('ms', 'lower', 'time', 'similarity-build: time to read and normalise the embeddings'),
  'similarity.write_ms': spec('ms', 'lower', 'time', 'similarity-build: time to write the neighbour files'),
  'similarity.items_per_s': spec('per_s', 'higher', 'rate', 'similarity-build: rows completed per second of computation'),
  'similarity.gflop_per_s': spec('per_s', 'higher', 'rate', 'similarity-build: effective GFLOP/s, counting 2·rows·N·D'),
};

for (const [name, reason] of Object.entries(NOT_DECIDING)) (METRICS[name] as MetricSpec).notDecidingByDefault = reason;

/** Unit from the name's suffix: the convention DESIGN.md fixes for every name. */
export function unitFromName(name: string): Unit {
  if (name.endsWith('_bytes_per_s')) return 'bytes_per_s';
  if (name.endsWith('_bytes_per_min')) return 'bytes_per_min';
  if (name.endsWith('_bytes') || name.endsWith('.bytes')) return 'bytes';
  if (name.endsWith('_ms')) return 'ms';
  if (name.endsWith('_per_s')) return 'per_s';
  if (name.endsWith('_ratio') || name.endsWith('.ratio')) return 'ratio';
  if (name.endsWith('.count') || name.includes('.count.')) return 'count';
  return 'none';
}

/**
 * The spec of a metric, including the open families. Custom metrics say nothing about
 * direction except by convention: ratios of hits are better high, lost records and
 * errors better low; anything else is informational unless a threshold names it.
 */
export function lookupMetric(name: string): MetricSpec | undefined {
  const known = METRICS[name];
  if (known) return known;
  if (name.startsWith('heap.class.')) {
    const unit = unitFromName(name);
    return spec(unit, 'lower', 'heap-class', 'per-constructor figure from a heap snapshot');
  }
  if (name.startsWith('heap.') && name.endsWith('_bytes')) {
    return spec('bytes', 'lower', 'memory', 'heap figure');
  }
  if (name.startsWith('custom.')) {
    const unit = unitFromName(name);
    let better: Better = 'none';
    if (/hit_ratio$|\.hits?$|throughput/.test(name)) better = 'higher';
    else if (/\.(lost|errors?|miss(es)?|dropped|failed)$/.test(name)) better = 'lower';
    const counted = spec(unit, better, 'custom', 'scenario counter or gauge', false);
    // Hits and misses of a fixed-duration run count work done, which follows the machine's load; their ratio decides.
    if (better !== 'none' && unit !== 'ratio' && /\.(hits?|miss(es)?)$|throughput/.test(name)) {
      counted.notDecidingByDefault = "a count of work done in a fixed-duration run follows the machine's load (the ratio, e.g. hit_ratio, decides)";
    }
    return counted;
  }
  if (name.startsWith(ALLOC_SITE_PREFIX) || name.startsWith(ALLOC_SITES_PREFIX)) return allocSiteSpec(name);
  if (name.startsWith('phase.')) {
    const unit = unitFromName(name);
    return spec(unit, unit === 'ms' ? 'lower' : 'none', 'time', 'time per pipeline phase (after warm-up)');
  }
  if (name.startsWith('similarity.')) {
    const unit = unitFromName(name);
    return spec(unit, unit === 'per_s' ? 'higher' : 'lower', unit === 'ms' ? 'time' : 'memory', 'similarity-build figure');
  }
  return undefined;
}

const ALLOC_SITE_PREFIX = 'alloc.site.';
const ALLOC_SITES_PREFIX = 'alloc.sites.';

/**
 * Allocation sites (`alloc.site.<key>.<figure>`, analyze/alloc-frames.ts makes the key):
 * the key may hold dots (file names), so the figure is matched from the end. Per step and
 * per run (a command that ends on its own) the sampled allocation decides, as
 * alloc.bytes_per_op does; the rest is shown. `alloc.sites.*` are a run's totals, the
 * denominators of the shares.
 */
const ALLOC_SITE_FIGURES: ReadonlyArray<[suffix: string, unit: Unit, notDeciding: string | undefined, description: string]> = [
  ['.inuse_slope_bytes_per_min', 'bytes_per_min', 'a slope of sampled live bytes over the checkpoints; the leak verdict decides leaks', "least-squares slope of the site's sampled in-use bytes over mem-stress checkpoints"],
  ['.bytes_per_op', 'bytes', undefined, 'bytes the site allocated per step (sampled, V8 heap profiler)'],
  ['.bytes_per_s', 'bytes_per_s', "per second of wall clock: moves with the machine's load; bytes_per_op decides", 'bytes the site allocated per second (sampled)'],
  ['.objects_per_op', 'count', 'the same samples as bytes_per_op: another test, no new information', 'objects the site allocated per step (sampled estimate)'],
  ['.inuse_bytes', 'bytes', 'the live set is sampled sparsely (live heap / interval samples); the leak verdict decides leaks', 'bytes from the site still alive at the end (after a forced GC; sampled)'],
  ['.bytes', 'bytes', undefined, 'bytes the site allocated in the run (sampled; a command that ended on its own)'],
  ['.share', 'ratio', "a share moves when any other site moves; the diff's share floor reads it, bytes_per_op decides", "the site's share of the run's sampled allocated bytes"],
];

function allocSiteSpec(name: string): MetricSpec | undefined {
  if (name.startsWith(ALLOC_SITES_PREFIX)) {
    const unit: Unit = name.endsWith('_bytes_per_op') ? 'bytes' : name.endsWith('_objects') ? 'count' : unitFromName(name);
    return spec(unit, 'none', 'alloc-site', "a run's sampled allocation totals, the denominators of site shares");
  }
  for (const [suffix, unit, notDeciding, description] of ALLOC_SITE_FIGURES) {
    if (!name.endsWith(suffix) || name.length <= ALLOC_SITE_PREFIX.length + suffix.length) continue;
    const s = spec(unit, 'lower', 'alloc-site', description);
    if (notDeciding) s.notDecidingByDefault = notDeciding;
    return s;
  }
  return undefined;
}

/** Every exact name, for "unknown metric" messages. */
export function knownMetricNames(): string[] {
  return Object.keys(METRICS).sort();
}
