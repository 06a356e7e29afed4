import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { FIXTURES, readJson, readJsonl, runCli, tempDir } from './helpers/cli.js';
import { freePort } from './helpers/free-port.js';
import { findPython, groundTruth } from './helpers/python.js';

/**
 * `memkit gc-profile -- python app.py`: memkit's Python agent (python/site/sitecustomize.py
 * → python/memkit_agent) in an unmodified program. Fixtures are plain .py files run by the
 * machine's python3 (its real executable, not a version manager's shell shim, so the
 * measured tree is the interpreter alone).
 */

const PY_FIXTURES = join(FIXTURES, 'python');
const tmp = tempDir();
afterAll(() => tmp.cleanup());

const PYTHON = findPython();


describe.skipIf(!PYTHON)('gc-profile -- python', () => {
  it("counts every collection: memkit's per-generation figures equal the program's own gc.get_stats() deltas", async () => {
    const out = join(tmp.path, 'py.json');
    const r = await runCli(['gc-profile', '--no-progress', '--out', out, '--', PYTHON!, join(PY_FIXTURES, 'gc-ground-truth.py'), '300']);
    expect(r.code, r.stderr).toBe(0);
    const truth = groundTruth(r.stdout + r.stderr);
    // The fixture makes cyclic garbage: a ground truth of zeros would prove nothing.
    expect(truth[0]!.collections).toBeGreaterThan(10);
    expect(truth[0]!.collected).toBeGreaterThan(1000);
    expect(truth[2]!.collections).toBeGreaterThanOrEqual(1); // its own gc.collect()
    const b = readJson(out);
    const v = (name: string): number | undefined => b.metrics[name]?.value;
    for (const g of [0, 1, 2]) {
      expect({ gen: g, collections: v(`gc.count.gen${g}`), collected: v(`gc.collected.gen${g}`), uncollectable: v(`gc.uncollectable.gen${g}`) })
        .toEqual({ gen: g, ...truth[g] });
    }
    expect(v('gc.collected')).toBe(truth.reduce((n, t) => n + t.collected, 0));
    expect(v('gc.uncollectable')).toBe(truth.reduce((n, t) => n + t.uncollectable, 0));
    expect(v('gc.pause.total_ms')).toBeGreaterThan(0);
    expect(v('gc.pause.p95_ms')).toBeGreaterThan(0);
    expect(v('gc.time_ratio')).toBeGreaterThan(0);
    expect(v('rss.peak_bytes')).toBeGreaterThan(1e6);
    // Never a silent wrong answer: what only V8 has is absent, not zero.
    for (const name of ['gc.count.minor', 'gc.count.major', 'heap.used.peak_bytes', 'heap.total.peak_bytes', 'alloc.rate_bytes_per_s', 'external.peak_bytes']) {
      expect(b.metrics[name], name).toBeUndefined();
    }
    expect(b.environment).toMatchObject({ runtime: 'python', python: expect.stringMatching(/^3\.\d+\.\d+$/) });
    expect(b.target).toMatchObject({ type: 'command', instrumented: true });
    expect(r.stdout + r.stderr).toMatch(/Python 3\.\d+\.\d+/);
    expect(r.stdout + r.stderr).toMatch(/Python GC by generation/);
    expect(r.stderr).not.toMatch(/memkit: the Python agent/);
    // The agent's own cross-check: its callbacks saw every collection gc.get_stats() counted over its life.
    const records = readJsonl(join(tmp.path, b.runs[0].samplesFile));
    const done = records.find((x) => x.type === 'done');
    expect(done).toMatchObject({ reason: 'exit', gcDesync: 0 });
    expect(records.find((x) => x.type === 'hello')).toMatchObject({ runtime: 'python', pid: expect.any(Number) });
  });

  it("chains to the user's own sitecustomize and leaves the program's output and exit code unchanged", async () => {
    const env = { ...process.env, PYTHONPATH: join(PY_FIXTURES, 'user-site') };
    const args = [join(PY_FIXTURES, 'prints-site.py'), '5'];
    const direct = spawnSync(PYTHON!, args, { env, encoding: 'utf8' });
    expect(direct.status).toBe(5);
    expect(direct.stdout).toContain('user sitecustomize: ran');
    expect(direct.stdout).toContain('sitecustomize module from: user-site');
    const out = join(tmp.path, 'site.json');
    const r = await runCli(['gc-profile', '--no-progress', '--out', out, '--', PYTHON!, ...args], { env });
    expect(r.code).toBe(3); // the program failed (exit 5): memkit's code for a crashed child
    const b = readJson(out);
    expect(b.runs[0].exit).toMatchObject({ code: 5 });
    expect(b.target).toMatchObject({ instrumented: true });
    // Every line the program wrote, as it wrote it without memkit.
    for (const line of direct.stdout.trim().split('\n')) expect(r.stdout + r.stderr).toContain(line);
    expect(r.stdout + r.stderr).toContain('to stderr');
  });

  it('stops a program at the end of --duration with SIGTERM and keeps every batch, sent as the program ran', async () => {
    const out = join(tmp.path, 'stop.json');
    const r = await runCli(['gc-profile', '--no-progress', '--duration', '3s', '--out', out, '--', PYTHON!, join(PY_FIXTURES, 'cycles-forever.py')]);
    // 3 s: the interpreter's start-up alone took 1–5 s on a loaded machine, and the window must hold several batches.
    expect(r.code, r.stderr).toBe(0);
    const b = readJson(out);
    expect(b.status).toBe('complete');
    expect(b.runs[0].exit).toMatchObject({ signal: 'SIGTERM' }); // it died of the signal, as it would have without memkit
    const records = readJsonl(join(tmp.path, b.runs[0].samplesFile));
    const batches = records.filter((x) => x.type === 'gc');
    // Sent periodically (from the collector's callback, every --interval), not only at the end.
    expect(batches.length).toBeGreaterThan(1);
    // Every gen0 collection recorded from the program's first line (memkit's window) is counted.
    const startMs = records.find((x) => x.type === 'mark' && x.label === 'measure-start').tMs;
    const recorded = batches.reduce((n, x) => n + x.kind.filter((k: number, i: number) => k === 256 && x.tMs[i] + x.pauseMs[i] >= startMs).length, 0); // where each ends
    expect(b.metrics['gc.count.gen0'].value).toBe(recorded);
    expect(recorded).toBeGreaterThan(0);
    expect(records.find((x) => x.type === 'done')).toMatchObject({ reason: 'stopped', gcDesync: 0 });
  });

  it("--prometheus: a Python program's collections by generation, ending equal to the baseline's gc.count.gen<N>; no V8 kind", async () => {
    const out = join(tmp.path, 'prom.json');
    const port = await freePort();
    const run = runCli(['gc-profile', '--no-progress', '--prometheus', `127.0.0.1:${port}`, '--prometheus-linger', '20s', '--out', out, '--', PYTHON!, join(PY_FIXTURES, 'gc-ground-truth.py'), '300']);
    // After the run, memkit serves until a scrape has read the final values (memkit_run_ended set).
    let text = '';
    for (let i = 0; i < 300 && !/memkit_run_ended\{[^}]*\} 1/.test(text); i++) {
      await new Promise((r) => setTimeout(r, 100));
      text = await fetch(`http://127.0.0.1:${port}/metrics`).then((res) => res.text(), () => '');
    }
    const r = await run;
    expect(r.code, r.stderr).toBe(0);
    const b = readJson(out);
    const series = (kind: string): number | undefined => {
      const m = new RegExp(`^memkit_gc_collections_total\\{[^}]*kind="${kind}"[^}]*\\} (\\d+)$`, 'm').exec(text);
      return m ? Number(m[1]) : undefined;
    };
    for (const g of [0, 1, 2]) expect(series(`gen${g}`), `gen${g}`).toBe(b.metrics[`gc.count.gen${g}`].value);
    expect(series('gen0')).toBeGreaterThan(0);
    for (const kind of ['minor', 'major', 'incremental', 'weakcb']) expect(series(kind), kind).toBeUndefined();
  });
});
