import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { FIXTURES, readJson, readJsonl, runCli, tempDir, type CliResult } from './helpers/cli.js';
import { freePort } from './helpers/free-port.js';
import { findPython } from './helpers/python.js';

/**
 * `memkit gc-profile -- <a Python server>` with no change to the server: a pre-fork server
 * (the master and every forked worker), gunicorn's sync workers, uvicorn. Each process is
 * listed with its own counts, which equal what that process reads from gc.get_stats() over
 * its own window; the test sends the requests itself (gc-profile has no --http) and checks
 * every response it got was served by a measured worker.
 */

const SERVE = join(FIXTURES, 'python', 'serve');
const tmp = tempDir();
afterAll(() => tmp.cleanup());

const PYTHON = findPython();

/** Debian's gunicorn / python3-uvicorn run on the system interpreter, not on a pyenv python3. */
function systemTool(check: string[]): string | undefined {
  try {
    execFileSync(check[0]!, check.slice(1), { stdio: 'ignore' });
    return check[0];
  } catch {
    return undefined;
  }
}
const GUNICORN = systemTool(['gunicorn', '--version']);
const SYSTEM_PYTHON_UVICORN = systemTool(['/usr/bin/python3', '-c', 'import uvicorn']);
if (!GUNICORN) console.log('skip: gunicorn is not installed (apt-get install gunicorn) — the pre-fork fixture still tests the same tree shape');
if (!SYSTEM_PYTHON_UVICORN) console.log('skip: uvicorn is not importable by /usr/bin/python3 (apt-get install python3-uvicorn)');

interface Truth {
  role: string;
  counts: number[];
  collected: number;
  uncollectable: number;
}

/** "GROUND-TRUTH pid=… role=… gen0 collections=… | …" and "SERVED pid=… requests=…" lines, by pid. */
function truthsOf(output: string): { truths: Map<number, Truth>; served: Map<number, number> } {
  const truths = new Map<number, Truth>();
  const served = new Map<number, number>();
  for (const line of output.split('\n')) {
    const s = /^SERVED pid=(\d+) requests=(\d+)$/.exec(line);
    if (s) served.set(Number(s[1]), Number(s[2]));
    const m = /^GROUND-TRUTH pid=(\d+) role=(\w+) (.*)$/.exec(line);
    if (!m) continue;
    const gens = m[3]!.split(' | ').map((part) => {
      const g = /^gen\d collections=(\d+) collected=(\d+) uncollectable=(\d+)$/.exec(part);
      if (!g) throw new Error(`bad ground-truth part: ${part}`);
      return g.slice(1).map(Number) as [number, number, number];
    });
    truths.set(Number(m[1]), {
      role: m[2]!,
      counts: gens.map((g) => g[0]),
      collected: gens.reduce((n, g) => n + g[1], 0),
      uncollectable: gens.reduce((n, g) => n + g[2], 0),
    });
  }
  return { truths, served };
}

function rowFigures(row: any): Omit<Truth, 'role'> {
  const py = row.pythonGc;
  return { counts: [py.counts.gen0, py.counts.gen1, py.counts.gen2], collected: py.collected, uncollectable: py.uncollectable };
}

/** One GET: the pid in the body ("ok <pid>") of a 200 response, else undefined. */
function get(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(res.statusCode === 200 ? Number(/^ok (\d+)/.exec(body)?.[1]) : undefined));
      res.on('error', () => resolve(undefined));
    });
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/**
 * Runs memkit and, while it runs, GETs the server one request after another: the responses
 * that came back 200. With `stopAfterWorkers`, once that many workers have answered (and 20
 * requests), the test stops the server itself with SIGTERM to the workers' parent, as
 * `docker stop` or systemd would: a stop while a worker boots (before its own signal
 * handlers) is lost by gunicorn and uvicorn, and a loaded machine boots them slowly.
 */
async function runWithLoad(args: string[], port: number, stopAfterWorkers?: number): Promise<{ r: CliResult; ok: number }> {
  let done = false;
  const run = runCli(args, { cwd: SERVE }).finally(() => (done = true));
  let ok = 0;
  const pids = new Set<number>();
  let stopped = false;
  while (!done) {
    const pid = await get(port);
    if (pid === undefined) {
      await new Promise((r) => setTimeout(r, 50)); // not listening yet, or shutting down
      continue;
    }
    ok++;
    pids.add(pid);
    if (stopAfterWorkers !== undefined && !stopped && ((pids.size >= stopAfterWorkers && ok >= 20) || ok >= 300)) {
      stopped = true;
      process.kill(parentOf(pid), 'SIGTERM');
    }
  }
  return { r: await run, ok };
}

/** Every process's own row equals its own ground truth; every agent's callbacks saw every collection. */
function expectRowsEqualTruths(out: string, truths: Map<number, Truth>): any[] {
  const b = readJson(out);
  expect(b.status).toBe('complete');
  const run = b.extra.processes.runs[0];
  expect(run.unreached).toEqual([]);
  for (const [pid, truth] of truths) {
    const row = run.rows.find((x: any) => x.pid === pid);
    expect(row, `row of pid ${pid} (${truth.role})`).toBeDefined();
    expect(row.measured).toBe('agent');
    expect({ pid, ...rowFigures(row) }).toEqual({ pid, counts: truth.counts, collected: truth.collected, uncollectable: truth.uncollectable });
  }
  const records = readJsonl(join(tmp.path, b.runs[0].samplesFile));
  const hellos = records.filter((x) => x.type === 'hello');
  const dones = records.filter((x) => x.type === 'done');
  expect(dones).toHaveLength(hellos.length);
  for (const d of dones) expect(d.gcDesync).toBe(0);
  return run.rows;
}

describe.skipIf(!PYTHON)('gc-profile -- a Python server: every process of the tree measured', () => {
  it('a pre-fork server (os.fork workers ending in os._exit, a master that stops them on SIGTERM): master and each worker with their own exact counts, every response served by a measured worker', async () => {
    const port = await freePort();
    const out = join(tmp.path, 'prefork.json');
    const { r, ok } = await runWithLoad(['gc-profile', '--no-progress', '--duration', '3', '--out', out, '--', PYTHON!, 'prefork_server.py', String(port), '2'], port);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/memkit: the Python agent/);
    const { truths, served } = truthsOf(r.stdout + r.stderr);
    expect([...truths.values()].map((t) => t.role).sort()).toEqual(['master', 'worker', 'worker']);
    // memkit's SIGTERM reached the master, which stopped its workers: both ended by os._exit(0).
    expect(r.stdout + r.stderr).toMatch(/^workers ended: 0,0$/m);
    const rows = expectRowsEqualTruths(out, truths);
    // Every response the test got was served (and counted) by a measured worker.
    expect(ok).toBeGreaterThan(0);
    expect([...served.values()].reduce((n, x) => n + x, 0)).toBe(ok);
    const workers = rows.filter((x: any) => x.role === 'fork');
    expect(workers.map((x: any) => x.pid).sort()).toEqual([...served.keys()].sort());
    for (const w of workers) {
      expect(w.end).toMatchObject({ cause: 'exit', code: 0 }); // os._exit's code, sent by the agent before it
      // A request makes 2,000 objects in cycles: at least 2 gen0 collections each, on top of the worker's start-up churn.
      expect(w.pythonGc.counts.gen0).toBeGreaterThanOrEqual(2 * served.get(w.pid)! + 4);
    }
  });

  it.skipIf(!GUNICORN)('gunicorn -w 2 (sync workers forked by the arbiter, stopped gracefully on SIGTERM): each worker with its own exact counts', async () => {
    const port = await freePort();
    const out = join(tmp.path, 'gunicorn.json');
    const args = ['gc-profile', '--no-progress', '--out', out, '--', GUNICORN!, '-c', 'gunicorn_truth.py', '-w', '2', '-b', `127.0.0.1:${port}`, 'wsgi_app:app'];
    const { r, ok } = await runWithLoad(args, port, 2);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/memkit: the Python agent/);
    expect(r.stderr).toMatch(/Shutting down: Master/); // gunicorn's own graceful shutdown ran
    const { truths, served } = truthsOf(r.stdout + r.stderr);
    expect([...truths.values()].map((t) => t.role)).toEqual(['worker', 'worker']);
    const rows = expectRowsEqualTruths(out, truths);
    expect(ok).toBeGreaterThan(0);
    expect([...served.values()].reduce((n, x) => n + x, 0)).toBe(ok);
    // The arbiter and its two workers, each an agent row of its own.
    expect(rows.filter((x: any) => x.measured === 'agent').map((x: any) => x.role).sort()).toEqual(['fork', 'fork', 'main']);
    for (const w of rows.filter((x: any) => x.role === 'fork')) {
      expect(served.has(w.pid)).toBe(true);
      // 400 objects in cycles per request (threshold 700): a worker's collections follow its requests.
      expect(w.pythonGc.counts.gen0).toBeGreaterThanOrEqual(Math.floor((served.get(w.pid)! * 400) / 700 / 2));
    }
  });

  it.skipIf(!GUNICORN)('mem-stress --http -- gunicorn -w 2: a verdict per process and for the program; each worker\'s counts and memkit\'s checkpoints in it add up to its own gc.get_stats()', async () => {
    const port = await freePort();
    const out = join(tmp.path, 'gunicorn-stress.json');
    const r = await runCli(['mem-stress', '--no-progress', '--duration', '5', '--http', `http://127.0.0.1:${port}/`, '--rate', '100', '--out', out, '--', GUNICORN!, '-c', 'gunicorn_truth.py', '-w', '2', '-b', `127.0.0.1:${port}`, 'wsgi_app:app'], { cwd: SERVE });
    expect(r.code, r.stderr).toBe(0);
    const { truths, served } = truthsOf(r.stdout + r.stderr);
    expect(truths.size).toBe(2);
    const b = readJson(out);
    expect(b.status).toBe('complete');
    // Every response memkit's load got was served by a measured worker.
    expect(b.metrics['http.responses.count'].value).toBeGreaterThan(0);
    expect([...served.values()].reduce((n, x) => n + x, 0)).toBe(b.metrics['http.responses.count'].value);
    const rows = b.extra.processes.runs[0].rows.filter((x: any) => x.measured === 'agent');
    expect(rows.map((x: any) => x.role).sort()).toEqual(['fork', 'fork', 'main']);
    // A clean app: a verdict for each process and for the program, never 'leak'.
    for (const row of rows) expect(row.leak?.verdict ?? 'none', `${row.pid} ${row.role} ${JSON.stringify(row.leak)}`).toMatch(/^(no leak|inconclusive)$/);
    expect(b.extra.leak.verdict).toMatch(/^(no leak|inconclusive)$/);
    // memkit's forced checkpoints are left out of a row's counts; with them it is the worker's own gc.get_stats()
    // from post_fork's reading. The first checkpoint's thread starts in memkit's after-fork hook, inside os.fork():
    // it collects before or after that reading, as the scheduler has it, so the reading's time decides; and
    // one can land after worker_exit's last reading (memkit's stop, then gunicorn's graceful exit, under load).
    // A collection is in gc.get_stats() from the end of its work, somewhere between its 'start' callback and
    // the clock read that opens its 'stop' callback (start + pause): the callbacks are Python code, and the
    // worker's own reading can run in the middle of either. A checkpoint with a reading inside that span may
    // be on either side of it; every other one is on its side for sure, and the figures must add up exactly
    // for one choice of the undecided ones (one at most in each run seen).
    const records = readJsonl(join(tmp.path, b.runs[0].samplesFile));
    const spans = new Map([...(r.stdout + r.stderr).matchAll(/^TRUTH-SPAN pid=(\d+) start=([\d.]+) end=([\d.]+)$/gm)].map((m) => [Number(m[1]), { startMs: Number(m[2]), endMs: Number(m[3]) }]));
    for (const [pid, truth] of truths) {
      const agentId = records.find((x) => x.type === 'hello' && x.pid === pid).agentId;
      const checkpoints: Array<{ tMs: number; endMs: number; collected: number }> = []; // memkit's collections in time order
      for (const g of records.filter((x) => x.type === 'gc' && x.agentId === agentId)) {
        g.src.forEach((src: number, i: number) => {
          if (src !== 1) return;
          expect(g.kind[i]).toBe(1024); // a checkpoint is a full collection
          checkpoints.push({ tMs: g.tMs[i], endMs: g.tMs[i] + g.pauseMs[i], collected: g.collected[i] });
        });
      }
      const span = spans.get(pid);
      expect(span, `TRUTH-SPAN of worker ${pid}`).toBeDefined();
      const straddles = (c: { tMs: number; endMs: number }, at: number): boolean => c.tMs <= at && at <= c.endMs;
      const undecided = checkpoints.filter((c) => straddles(c, span!.startMs) || straddles(c, span!.endMs));
      const inside = checkpoints.filter((c) => !undecided.includes(c) && c.tMs > span!.startMs && c.endMs < span!.endMs);
      expect(inside.length, `checkpoints in worker ${pid}`).toBeGreaterThan(3);
      expect(undecided.length).toBeLessThanOrEqual(2);
      const row = rowFigures(rows.find((x: any) => x.pid === pid));
      const expected = { pid, counts: truth.counts, collected: truth.collected };
      const choices = Array.from({ length: 2 ** undecided.length }, (_, mask) => [...inside, ...undecided.filter((_, k) => mask & (1 << k))]).map((memkit) => ({
        pid,
        counts: [row.counts[0], row.counts[1], row.counts[2]! + memkit.length],
        collected: row.collected + memkit.reduce((n, c) => n + c.collected, 0),
      }));
      const match = choices.find((m) => JSON.stringify(m) === JSON.stringify(expected));
      expect(match ?? choices[0], `measured ${JSON.stringify(choices)} vs the worker's own ${JSON.stringify(expected)}; checkpoints ${JSON.stringify(checkpoints)}, read over ${JSON.stringify(span)}`).toEqual(expected);
    }
  });

  it.skipIf(!SYSTEM_PYTHON_UVICORN)('uvicorn --workers 2 (workers started by multiprocessing spawn): the supervisor and each worker measured, a worker\'s counts covering its own', async () => {
    const port = await freePort();
    const out = join(tmp.path, 'uvicorn.json');
    const args = ['gc-profile', '--no-progress', '--out', out, '--', '/usr/bin/python3', '-m', 'uvicorn', 'asgi_app:app', '--host', '127.0.0.1', '--port', String(port), '--workers', '2'];
    const { r, ok } = await runWithLoad(args, port, 2);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/memkit: the Python agent/);
    const { truths, served } = truthsOf(r.stdout + r.stderr);
    expect(truths.size).toBe(2);
    expect(ok).toBeGreaterThan(0);
    expect([...served.values()].reduce((n, x) => n + x, 0)).toBe(ok);
    const b = readJson(out);
    expect(b.status).toBe('complete');
    const run = b.extra.processes.runs[0];
    expect(run.unreached).toEqual([]);
    expect(run.rows.find((x: any) => x.role === 'main')).toMatchObject({ measured: 'agent' });
    for (const [pid, truth] of truths) {
      const row = run.rows.find((x: any) => x.pid === pid);
      expect(row, `row of worker ${pid}`).toMatchObject({ measured: 'agent', role: 'process' });
      // The worker's window opens at its first line, before uvicorn's imports and the app's, where the fixture's reading starts.
      const counts = rowFigures(row).counts;
      for (const g of [0, 1, 2]) expect(counts[g]).toBeGreaterThanOrEqual(truth.counts[g]!);
    }
    const dones = readJsonl(join(tmp.path, b.runs[0].samplesFile)).filter((x) => x.type === 'done');
    for (const d of dones) expect(d.gcDesync).toBe(0);
  });

  it('a process that execs (gunicorn\'s USR2 re-exec: a fork execs a new master; a launcher execs the program): one row per pid, the new program\'s, with its exact counts', async () => {
    const out = join(tmp.path, 'reexec.json');
    const r = await runCli(['gc-profile', '--no-progress', '--out', out, '--', PYTHON!, 'reexec.py'], { cwd: SERVE });
    expect(r.code, r.stderr).toBe(0);
    const { truths } = truthsOf(r.stdout + r.stderr);
    expect([...truths.values()].map((t) => t.role).sort()).toEqual(['child', 'root']);
    const rows = expectRowsEqualTruths(out, truths);
    // Before its exec each pid ran the launcher's code under an agent of its own: that agent ended with 'exec' and left no row.
    expect(rows.map((x: any) => `${x.pid} ${x.role}`).sort()).toEqual([...truths.entries()].map(([pid, t]) => `${pid} ${t.role === 'root' ? 'main' : 'process'}`).sort());
    const records = readJsonl(join(tmp.path, readJson(out).runs[0].samplesFile));
    expect(records.filter((x) => x.type === 'done' && x.reason === 'exec')).toHaveLength(2);
    const b = readJson(out);
    expect(b.metrics['gc.count.gen0'].value).toBe(rows.reduce((n: number, x: any) => n + x.pythonGc.counts.gen0, 0));
  });

  it('a fork while another thread is inside a collection: the fork waits for it, so the child\'s collector still runs (without memkit CPython leaves it stuck); past the wait\'s bound the child says so', async () => {
    // The fixture's own hazard, without memkit: the child's collector is stuck.
    expect(execFileSync(PYTHON!, ['fork_in_collection.py'], { cwd: SERVE, encoding: 'utf8' })).toContain('CHILD-COLLECTOR stuck');
    const short = await runCli(['gc-profile', '--no-progress', '--out', join(tmp.path, 'fic.json'), '--', PYTHON!, 'fork_in_collection.py', '0.3'], { cwd: SERVE });
    expect(short.code, short.stderr).toBe(0);
    expect(short.stdout + short.stderr).toContain('CHILD-COLLECTOR works');
    expect(short.stderr).not.toMatch(/memkit:/);
    // A finalizer that holds the collection longer than the fork's 1 s wait: the fork goes ahead, and memkit says what it left.
    const long = await runCli(['gc-profile', '--no-progress', '--out', join(tmp.path, 'fic-long.json'), '--', PYTHON!, 'fork_in_collection.py', '1.5'], { cwd: SERVE });
    expect(long.code, long.stderr).toBe(0);
    expect(long.stdout + long.stderr).toContain('CHILD-COLLECTOR stuck');
    expect(long.stderr).toMatch(/^memkit: pid \d+ was forked while another thread of its parent was inside a collection: CPython's collector will not run in it again/m);
  });

  it('python -m pkg: the window starts at the package\'s __main__ (its __init__\'s collections left out), counts exact', async () => {
    const out = join(tmp.path, 'pkg.json');
    const r = await runCli(['gc-profile', '--no-progress', '--out', out, '--', PYTHON!, '-m', 'pkg_main'], { cwd: SERVE });
    expect(r.code, r.stderr).toBe(0);
    const line = (r.stdout + r.stderr).split('\n').find((l) => l.startsWith('GROUND-TRUTH '))!;
    const pid = readJson(out).extra.processes.runs[0].rows.find((x: any) => x.role === 'main').pid;
    const rows = expectRowsEqualTruths(out, truthsOf(line.replace('GROUND-TRUTH ', `GROUND-TRUTH pid=${pid} role=main `)).truths);
    // __init__ made 40,000 objects in cycles (dozens of gen0 collections) before the window: none counted.
    expect(rows.find((x: any) => x.pid === pid).pythonGc.counts.gen0).toBeLessThan(20);
  });
});
