import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { FIXTURES, readJson, readJsonl, runCli, tempDir } from './helpers/cli.js';
import { findPython } from './helpers/python.js';

/**
 * `memkit gc-profile -- python …` on a tree of Python processes: every process measured by
 * its own agent (a forked child reconnects and counts from the fork; a spawned or
 * subprocess child loads the agent from PYTHONPATH), each listed with its own counts,
 * which equal that process's own gc.get_stats() deltas over its window.
 */

const PY_FIXTURES = join(FIXTURES, 'python');
const tmp = tempDir();
afterAll(() => tmp.cleanup());

const PYTHON = findPython();

interface Truth {
  role: string;
  gens: Array<{ collections: number; collected: number; uncollectable: number }>;
}

/** "GROUND-TRUTH [pid=… role=…] gen0 collections=… | …" lines, by pid (0 when the line names none). */
function groundTruths(output: string): Map<number, Truth> {
  const out = new Map<number, Truth>();
  for (const line of output.split('\n')) {
    const m = /^GROUND-TRUTH (?:pid=(\d+) role=(\w+) )?(.*)$/.exec(line);
    if (!m) continue;
    const gens = m[3]!.split(' | ').map((part) => {
      const g = /^gen\d collections=(\d+) collected=(\d+) uncollectable=(\d+)$/.exec(part);
      if (!g) throw new Error(`bad ground-truth part: ${part}`);
      return { collections: Number(g[1]), collected: Number(g[2]), uncollectable: Number(g[3]) };
    });
    out.set(Number(m[1] ?? 0), { role: m[2] ?? '', gens });
  }
  return out;
}

/** A row's figures in the ground truth's shape (collected and uncollectable summed over generations). */
function rowFigures(row: any): { counts: number[]; collected: number; uncollectable: number } {
  const py = row.pythonGc;
  return { counts: [py.counts.gen0, py.counts.gen1, py.counts.gen2], collected: py.collected, uncollectable: py.uncollectable };
}

function truthFigures(t: Truth): { counts: number[]; collected: number; uncollectable: number } {
  return {
    counts: t.gens.map((g) => g.collections),
    collected: t.gens.reduce((n, g) => n + g.collected, 0),
    uncollectable: t.gens.reduce((n, g) => n + g.uncollectable, 0),
  };
}

const isPython = (argv: string[]): boolean => /^python[\d.]*$/.test((argv[0] ?? '').split('/').pop() ?? '');

describe.skipIf(!PYTHON)('gc-profile -- python: a tree of Python processes', () => {
  it('multiprocessing (a fork Pool of 2 and a spawn child): every process listed with its own counts, equal to its own gc.get_stats() deltas', async () => {
    const out = join(tmp.path, 'mp.json');
    const r = await runCli(['gc-profile', '--no-progress', '--out', out, '--', PYTHON!, join(PY_FIXTURES, 'mp-tree.py')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/memkit: the Python agent/);
    const truths = groundTruths(r.stdout + r.stderr);
    expect([...truths.values()].map((t) => t.role).sort()).toEqual(['fork', 'fork', 'parent', 'spawn']);
    const b = readJson(out);
    const run = b.extra.processes.runs[0];
    expect(run.unreached).toEqual([]);
    for (const [pid, truth] of truths) {
      const row = run.rows.find((x: any) => x.pid === pid);
      expect(row, `row of pid ${pid} (${truth.role})`).toBeDefined();
      expect(row.measured).toBe('agent');
      expect(row.role).toBe({ parent: 'main', fork: 'fork', spawn: 'process' }[truth.role]);
      // Each process did GC work of its own in its window: zeros would prove nothing.
      expect(truth.gens[0]!.collections, `${truth.role} ${pid}`).toBeGreaterThan(3);
      expect(truth.gens[2]!.collections).toBeGreaterThanOrEqual(1); // its own gc.collect()
      expect({ pid, ...rowFigures(row) }).toEqual({ pid, ...truthFigures(truth) });
    }
    // The forked workers end by os._exit: the agent's last batch still came, with the code.
    for (const row of run.rows.filter((x: any) => x.role === 'fork')) expect(row.end).toMatchObject({ cause: 'exit', code: 0 });
    // Every Python process of the tree has an agent row (multiprocessing's resource tracker too).
    expect(run.rows.every((x: any) => isPython(x.argv) && x.pythonGc !== undefined)).toBe(true);
    // The totals are the sum of the rows (--process all).
    for (const [g, name] of ['gen0', 'gen1', 'gen2'].entries()) {
      expect(b.metrics[`gc.count.${name}`].value).toBe(run.rows.reduce((n: number, x: any) => n + x.pythonGc.counts[name], 0));
      expect(b.metrics[`gc.count.${name}`].value).toBeGreaterThanOrEqual([...truths.values()].reduce((n, t) => n + t.gens[g]!.collections, 0));
    }
    // Each agent's own cross-check: its callbacks saw every collection gc.get_stats() counted over its life.
    const records = readJsonl(join(tmp.path, b.runs[0].samplesFile));
    const hellos = records.filter((x) => x.type === 'hello');
    expect(new Set(hellos.map((h) => h.agentId)).size).toBe(hellos.length);
    for (const pid of truths.keys()) expect(hellos.filter((h) => h.pid === pid), `hello of ${pid}`).toHaveLength(1);
    const dones = records.filter((x) => x.type === 'done');
    expect(dones).toHaveLength(hellos.length);
    for (const d of dones) expect(d.gcDesync).toBe(0);
    // diff --process re-selects a Python row by its generations, never a V8 kind at a made-up zero.
    const fork = run.rows.find((x: any) => x.role === 'fork');
    const d = await runCli(['diff', out, out, '--process', String(fork.pid)]);
    expect(d.code, d.stderr).toBe(0);
    const cell = (metric: string) => new RegExp(`│ ${metric.replace(/\./g, '\\.')}\\s+│\\s+([\\d,]+) \\(1 run\\)`).exec(d.stdout)?.[1];
    expect(cell('gc.count.gen0')).toBe(fork.pythonGc.counts.gen0.toLocaleString('en-US'));
    expect(cell('gc.collected')).toBe(fork.pythonGc.collected.toLocaleString('en-US'));
    expect(d.stdout).not.toMatch(/gc\.count\.minor/);
    // The terminal table shows each Python row's generations.
    for (const [pid, t] of truths) {
      const line = (r.stdout + r.stderr).split('\n').find((l) => l.startsWith(`│ ${pid} `));
      expect(line, `table line of ${pid}`).toContain(`g0 ${t.gens[0]!.collections} · g1 ${t.gens[1]!.collections}`);
    }
  });

  it('subprocess: a child Python (started with preexec_fn) measured once, with its own exact counts; one without PYTHONPATH and one run with -I listed as not measured, with why', async () => {
    const out = join(tmp.path, 'sub.json');
    const r = await runCli(['gc-profile', '--no-progress', '--interval', '50ms', '--out', out, '--', PYTHON!, join(PY_FIXTURES, 'py-subprocess.py'), '1.5']);
    expect(r.code, r.stderr).toBe(0);
    const truth = groundTruths(r.stdout + r.stderr).get(0)!;
    expect(truth.gens[0]!.collections).toBeGreaterThan(3);
    const b = readJson(out);
    const run = b.extra.processes.runs[0];
    const child = run.rows.find((x: any) => x.argv.some((a: string) => a.endsWith('gc-ground-truth.py')));
    expect(child).toMatchObject({ measured: 'agent', role: 'process' });
    expect(rowFigures(child)).toEqual(truthFigures(truth));
    // Started with preexec_fn (a fork through the fork hooks, then exec): one row and one hello for its pid.
    expect(run.rows.filter((x: any) => x.pid === child.pid)).toHaveLength(1);
    const records = readJsonl(join(tmp.path, b.runs[0].samplesFile));
    expect(records.filter((x) => x.type === 'hello' && x.pid === child.pid)).toHaveLength(1);
    const reasons = run.unreached.map((u: any) => `${u.argv.slice(1).join(' ')} — ${u.reason}`).sort();
    expect(reasons).toEqual([
      expect.stringMatching(/^-I -c .* — started with -I \(Python ignores PYTHONPATH/),
      expect.stringMatching(/^-c .* — its environment dropped PYTHONPATH/),
    ]);
    expect(r.stdout + r.stderr).toMatch(/not measured: pid \d+ .*-I -c .* — started with -I/);
    expect(b.notes.join('\n')).toMatch(/totals leave out 2 processes not measured/);
  });
  it("a Python parent's Python children: each row ends with the code the parent reaped (sys.exit(5) in a subprocess, 3 in a fork Process, 4 in a spawn Process) or the signal that killed it", async () => {
    const out = join(tmp.path, 'codes.json');
    const r = await runCli(['gc-profile', '--no-progress', '--out', out, '--', PYTHON!, join(PY_FIXTURES, 'children-exit-codes.py')]);
    expect(r.code, r.stderr).toBe(0);
    // What the parent's own Popen and Process objects saw: the ground truth.
    const seen = [...(r.stdout + r.stderr).matchAll(/^CHILD-EXIT pid=(\d+) code=(-?\d+)$/gm)].map((m) => ({ pid: Number(m[1]), code: Number(m[2]) }));
    expect(seen.map((s) => s.code)).toEqual([5, 3, 4, -9]);
    const rows = readJson(out).extra.processes.runs[0].rows;
    for (const { pid, code } of seen) {
      const row = rows.find((x: any) => x.pid === pid);
      expect(row, `row of pid ${pid}`).toBeDefined();
      expect(row.measured).toBe('agent');
      expect({ pid, ...row.end }).toMatchObject(code < 0 ? { pid, cause: 'signal', signal: 'SIGKILL', code: null } : { pid, cause: 'exit', code });
      const line = (r.stdout + r.stderr).split('\n').find((l) => l.startsWith(`│ ${pid} `));
      expect(line, `table line of ${pid}`).toMatch(code < 0 ? /│ SIGKILL\s+│$/ : new RegExp(`│ exit ${code}\\s+│$`));
    }
  });
});
