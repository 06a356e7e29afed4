// The built-in load generator's own limits on this machine (mem-stress --http), side by side
// with wrk (Debian's package) against the same trivial node:http server, in the same run:
//  - ceiling: the highest fixed rate memkit's open-loop generator keeps (responses/s within
//    5 % of --rate, no errors), and wrk's closed-loop maximum with as many connections;
//  - floor: the latency of a request to a server that answers at once, memkit at 100/s
//    (timed from the intended send time) and wrk with one connection back to back.
// The server is pinned to one core, the generator (and wrk, one thread) to the other, when
// taskset exists. Not a test: figures for the README.  node bench/load-ceiling.mjs [--seconds 3]
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
};

if (process.argv[2] === '--generate') await generate(JSON.parse(process.argv[3]));
else await main();

/** Child: memkit's generator at one rate; prints what it sent, got and how long it took. */
async function generate({ url, rate, seconds, connections }) {
  const { startHttpLoad } = await import('../dist/src/load/http-load.js');
  const { summarizeBuckets } = await import('../dist/src/analyze/latency-stats.js');
  const { requestOfUrl } = await import('../dist/src/load/requests.js');
  const dense = [];
  let sumMs = 0;
  let maxMs = 0;
  let last;
  const load = startHttpLoad(
    { requests: [requestOfUrl(new URL(url))], ratePerSec: rate, connections, timeoutMs: 10_000, intervalMs: 100 },
    (r) => {
      if (r.type === 'progress') return void (last = r);
      r.idx.forEach((k, j) => (dense[k] = (dense[k] ?? 0) + r.count[j]));
      sumMs += r.sumMs;
      maxMs = Math.max(maxMs, r.maxMs);
    },
  );
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  await load.stop();
  const elapsedS = (performance.now() - t0) / 1000;
  const errors = Object.entries(last.counters).filter(([k]) => k.startsWith('http.errors.')).reduce((n, [, v]) => n + v, 0);
  const s = summarizeBuckets(dense, sumMs, maxMs);
  process.stdout.write(JSON.stringify({ rate, responses: last.steps, errors, perSec: last.steps / elapsedS, p50Ms: s.p50Ms, p99Ms: s.p99Ms, maxMs }));
}

function pinned(core, argv) {
  return existsSync('/usr/bin/taskset') ? ['taskset', ['-c', String(core), ...argv]] : [argv[0], argv.slice(1)];
}

async function main() {
  const seconds = Number(arg('seconds', '3'));
  const cores = Number(execFileSync('nproc').toString());
  const [cmd, args] = pinned(cores > 1 ? 1 : 0, [
    process.execPath,
    '-e',
    "const s=require('node:http').createServer((q,r)=>r.end('ok'));s.keepAliveTimeout=60000;s.listen(0,'127.0.0.1',()=>console.log(s.address().port))",
  ]);
  const server = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve) => server.stdout.once('data', (d) => resolve(Number(String(d).trim()))));
  const url = `http://127.0.0.1:${port}/`;
  const runMemkit = (rate, connections) => {
    const [c, a] = pinned(0, [process.execPath, SELF, '--generate', JSON.stringify({ url, rate, seconds, connections })]);
    const r = spawnSync(c, a, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout);
  };
  const wrk = existsSync('/usr/bin/wrk') ? '/usr/bin/wrk' : undefined;
  const runWrk = (connections) => {
    const [c, a] = pinned(0, [wrk, '-t1', `-c${connections}`, `-d${seconds}s`, '--latency', url]);
    const out = spawnSync(c, a, { encoding: 'utf8' }).stdout;
    const ms = (p) => {
      const m = new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
      return m ? Number(m[1]) * { us: 1e-3, ms: 1, s: 1000 }[m[2]] : NaN;
    };
    return { perSec: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]), p50Ms: ms(50), p99Ms: ms(99) };
  };

  try {
    runMemkit(1000, 10); // warm the server's JIT up
    const { loadavg } = await import('node:os');
    console.log(`load generator ceiling and floor, ${seconds} s per step, server and generator on ${cores > 1 ? 'separate cores' : 'one core'}; load average ${loadavg()[0].toFixed(1)} on ${cores} cores`);
    console.log('memkit (undici, open loop, 100 connections):');
    let ceiling = 0;
    let most = 0;
    for (const rate of [500, 1000, 2000, 5000, 10000, 15000, 20000, 30000, 40000]) {
      const r = runMemkit(rate, 100);
      most = Math.max(most, r.perSec);
      const kept = r.perSec >= 0.95 * rate && r.errors === 0;
      console.log(`  --rate ${String(rate).padStart(5)}: ${r.perSec.toFixed(0).padStart(6)} responses/s, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, errors ${r.errors}${kept ? '' : '  (not kept)'}`);
      if (!kept) break;
      ceiling = rate;
    }
    const floor = runMemkit(100, 1);
    console.log(`  ceiling: ${ceiling} requests/s kept (at most ${most.toFixed(0)} responses/s completed); floor at 100/s: p50 ${floor.p50Ms.toFixed(3)} ms, p99 ${floor.p99Ms.toFixed(3)} ms`);
    if (wrk) {
      const max = runWrk(100);
      const one = runWrk(1);
      console.log('wrk 4.1 (closed loop, 1 thread):');
      console.log(`  100 connections: ${max.perSec.toFixed(0)} requests/s (its maximum), p50 ${max.p50Ms.toFixed(2)} ms, p99 ${max.p99Ms.toFixed(2)} ms`);
      console.log(`  1 connection back to back: ${one.perSec.toFixed(0)} requests/s, p50 ${one.p50Ms.toFixed(3)} ms, p99 ${one.p99Ms.toFixed(3)} ms`);
      console.log(`ratio memkit ceiling / wrk maximum: ${(ceiling / max.perSec).toFixed(2)} (responses completed: ${(most / max.perSec).toFixed(2)})`);
    } else {
      console.log('wrk: not installed (apt-get install wrk), no reference in this run');
    }
  } finally {
    server.kill();
  }
}
