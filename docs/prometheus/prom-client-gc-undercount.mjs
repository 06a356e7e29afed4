// Why memkit does not use prom-client's own GC metric (nodejs_gc_duration_seconds):
// its PerformanceObserver callback reads only the first entry of each batch, so GCs that
// arrive together are lost. Run it under memkit, which counts every GC event:
//
//   memkit gc-profile --json --out /tmp/uc.json -- node docs/prometheus/prom-client-gc-undercount.mjs
//
// It allocates short-lived garbage for 3 s and prints prom-client's count per kind at
// exit; compare with gc.count.* in the baseline (same process, same stretch of time).
import { collectDefaultMetrics, Registry } from 'prom-client';

const registry = new Registry();
collectDefaultMetrics({ register: registry });
const end = Date.now() + Number(process.env.SECONDS ?? 3) * 1000;
let keep = [];
while (Date.now() < end) {
  // A busy stretch of ~20 ms between two turns of the event loop, as a request handler
  // or a batch job has: several GCs happen in it and reach the observer as one batch.
  const sliceEnd = Date.now() + 20;
  while (Date.now() < sliceEnd) {
    for (let i = 0; i < 1000; i++) keep.push({ i, a: [i, i + 1, i + 2, i + 3] });
    if (keep.length > 20_000) keep = [];
  }
  await new Promise((r) => setImmediate(r));
}
const gc = (await registry.getMetricsAsJSON()).find((m) => m.name === 'nodejs_gc_duration_seconds');
for (const v of gc.values.filter((v) => v.metricName === 'nodejs_gc_duration_seconds_count')) {
  process.stderr.write(`prom-client nodejs_gc_duration_seconds_count{kind="${v.labels.kind}"} ${v.value}\n`);
}
