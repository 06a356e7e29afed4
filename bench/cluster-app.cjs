// The command for `bench/agent-overhead-tree.mjs`: a cluster primary and WORKERS workers,
// each doing the same fixed work (short-lived small objects with a kept share, as a
// request-handling service allocates) and timing it itself: wall and CPU time of the work
// alone, so process start-up (memkit's preload load included) is reported apart.
// Results: one JSON line per worker, appended to the file in BENCH_RESULTS.
const cluster = require('node:cluster');
const { appendFileSync } = require('node:fs');
const WORKERS = Number(process.env.BENCH_WORKERS ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 400);

if (cluster.isPrimary) {
  for (let i = 0; i < WORKERS; i++) cluster.fork();
  let exited = 0;
  cluster.on('exit', () => {
    if (++exited === WORKERS) process.exit(0);
  });
} else {
  const startupMs = process.uptime() * 1000;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let young = [];
  const kept = [];
  let ops = 0;
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < 10000; i++) {
      young.push({ id: i, name: 'req-' + i, tags: [r, i] });
      if (young.length > 50000) young = [];
      ops++;
    }
    if (r % 8 === 0) kept.push(young.slice(0, 1000));
    if (kept.length > 40) kept.length = 0;
  }
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(cpu0);
  appendFileSync(process.env.BENCH_RESULTS, JSON.stringify({ pid: process.pid, ops, wallMs, cpuMs: (c.user + c.system) / 1000, startupMs }) + '\n');
  process.exit(0);
}
