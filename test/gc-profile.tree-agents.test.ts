import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, readJsonl, runCli, tempDir, type CliResult } from './helpers/cli.js';

/**
 * Issue 13: every Node process and worker thread of a command, measured. Each agent's
 * figures are checked against V8's own --trace-gc lines for the same process and isolate
 * (several processes write to one pipe, so lines are matched unanchored, not per line).
 */

const TREE = join(FIXTURES, 'tree');
const TRACE = /\[(\d+):(0x[0-9a-f]+)\]\s+[\d.]+ ms: (Scavenge|Minor Mark-Compact|Mark-Compact)/g;

interface TraceCounts {
  minor: number;
  major: number;
}

/** V8's --trace-gc lines by `pid:isolate`. */
function traceByIsolate(text: string): Map<string, TraceCounts> {
  const out = new Map<string, TraceCounts>();
  for (const m of text.matchAll(TRACE)) {
    const key = `${m[1]}:${m[2]}`;
    const c = out.get(key) ?? { minor: 0, major: 0 };
    if (m[3] === 'Mark-Compact') c.major++;
    else c.minor++;
    out.set(key, c);
  }
  return out;
}

function traceByPid(text: string): Map<number, TraceCounts> {
  const out = new Map<number, TraceCounts>();
  for (const [key, c] of traceByIsolate(text)) {
    const pid = Number(key.split(':')[0]);
    const sum = out.get(pid) ?? { minor: 0, major: 0 };
    out.set(pid, { minor: sum.minor + c.minor, major: sum.major + c.major });
  }
  return out;
}

interface Run {
  result: CliResult;
  baseline: any;
  rows: any[];
  unreached: any[];
  samples: any[];
}

const tmp = tempDir();
const runs: Record<string, Run> = {};
const cases: Record<string, { args: string[]; cwd?: string }> = {
  npm: { args: ['--', 'npm', 'start'], cwd: join(TREE, 'npm-trace') },
  cluster: { args: ['--', 'node', '--trace-gc', join(TREE, 'cluster.cjs')] },
  workers: { args: ['--', 'node', '--trace-gc', join(TREE, 'workers.cjs')] },
  unreachable: { args: ['--', 'node', join(TREE, 'unreachable.cjs')] },
  'cluster-oom': { args: ['--', 'node', '--max-old-space-size=24', join(TREE, 'cluster-oom.cjs')] },
};

beforeAll(async () => {
  await Promise.all(
    Object.entries(cases).map(async ([label, c]) => {
      const out = join(tmp.path, `${label}.json`);
      const result = await runCli(['gc-profile', '--json', '--no-progress', '--out', out, ...c.args], { cwd: c.cwd });
      const baseline = result.stdout ? JSON.parse(result.stdout) : undefined;
      const section = baseline?.extra?.processes?.runs?.[0];
      runs[label] = { result, baseline, rows: section?.rows ?? [], unreached: section?.unreached ?? [], samples: readJsonl(out.replace(/\.json$/, '.jsonl')) };
    }),
  );
}, 170_000);
afterAll(() => tmp.cleanup());

const measured = (r: Run) => r.rows.filter((row) => row.measured === 'agent');

describe('gc-profile -- npm start (start script: node --trace-gc app.js)', () => {
  it('measures the app inside npm and sh: its counts equal its own trace lines', () => {
    const r = runs.npm!;
    expect(r.result.code, r.result.stderr.slice(-2000)).toBe(0);
    expect(r.baseline.status).toBe('complete');
    const app = r.rows.find((row) => row.role !== 'non-node' && row.argv.some((a: string) => a.endsWith('app.js')));
    expect(app, JSON.stringify(r.rows)).toBeDefined();
    expect(app.measured).toBe('agent');
    const trace = traceByPid(r.result.stderr).get(app.pid);
    expect(trace, 'the app printed its trace lines').toBeDefined();
    expect(trace!.minor).toBeGreaterThanOrEqual(5);
    expect(app.gc.counts.minor).toBe(trace!.minor);
    expect(app.gc.counts.major).toBe(trace!.major);
  });

  it('lists npm and the shell too', () => {
    const r = runs.npm!;
    const npm = r.rows.find((row) => row.role === 'main');
    expect(npm.argv.join(' ')).toMatch(/npm/);
    expect(npm.measured).toBe('agent');
    expect(r.rows.some((row) => row.role === 'non-node')).toBe(true);
  });
});

describe('gc-profile -- node --trace-gc cluster.js (2 workers)', () => {
  it('counts each process exactly as its trace lines, and the total as all of them', () => {
    const r = runs.cluster!;
    expect(r.result.code, r.result.stderr.slice(-2000)).toBe(0);
    const trace = traceByPid(r.result.stderr);
    const rows = measured(r);
    expect(rows.filter((row) => row.role === 'cluster-worker')).toHaveLength(2);
    expect(rows.filter((row) => row.role === 'main')).toHaveLength(1);
    for (const row of rows) {
      const t = trace.get(row.pid) ?? { minor: 0, major: 0 };
      expect(row.gc.counts.minor, `pid ${row.pid} ${row.role}`).toBe(t.minor);
      expect(row.gc.counts.major, `pid ${row.pid} ${row.role}`).toBe(t.major);
    }
    const all = [...trace.values()];
    expect(all.reduce((n, t) => n + t.minor, 0)).toBeGreaterThanOrEqual(20);
    expect(r.baseline.metrics['gc.count.minor'].value).toBe(all.reduce((n, t) => n + t.minor, 0));
    expect(r.baseline.metrics['gc.count.major'].value).toBe(all.reduce((n, t) => n + t.major, 0));
  });
});

describe('the report of a tree', () => {
  it('lists each process in the HTML report too, the rows of the selection marked', async () => {
    const r = runs.cluster!;
    const out = join(tmp.path, 'cluster.html');
    const rep = await runCli(['report', '--html', out, join(tmp.path, 'cluster.json')]);
    expect(rep.code, rep.stderr).toBe(0);
    const page = readFileSync(out, 'utf8');
    const section = page.slice(page.indexOf('id="processes"'));
    expect(page).toContain('id="processes"');
    for (const row of r.rows) expect(section).toContain(`data-key="${row.key}"`);
    expect(section.match(/<tr class="selected"/g)).toHaveLength(r.rows.length);
  });

  it('prints the table in the terminal: one line per process and the totals', async () => {
    const rep = await runCli(['report', join(tmp.path, 'cluster.json')]);
    expect(rep.code, rep.stderr).toBe(0);
    const table = rep.stdout.slice(rep.stdout.indexOf('Processes'));
    for (const row of runs.cluster!.rows) expect(table).toContain(String(row.pid));
    expect(table).toMatch(/total .*--process all/);
  });
});

describe('gc-profile -- node --trace-gc workers.js (worker threads)', () => {
  it('has one row per isolate, joined to V8’s isolate address', () => {
    const r = runs.workers!;
    expect(r.result.code, r.result.stderr.slice(-2000)).toBe(0);
    const rows = measured(r);
    expect(rows.filter((row) => row.role === 'worker-thread')).toHaveLength(2);
    const trace = traceByIsolate(r.result.stderr);
    for (const row of rows) {
      expect(row.isolate, 'the addon names the isolate').toMatch(/^0x[0-9a-f]+$/);
      expect(trace.has(`${row.pid}:${row.isolate}`) || row.gc.counts.minor + row.gc.counts.major === 0).toBe(true);
    }
  });

  it('counts the main isolate exactly, and each worker from its agent’s install on', () => {
    const r = runs.workers!;
    const trace = traceByIsolate(r.result.stderr);
    for (const row of measured(r)) {
      const t = trace.get(`${row.pid}:${row.isolate}`) ?? { minor: 0, major: 0 };
      if (row.role !== 'worker-thread') {
        expect(row.gc.counts.minor).toBe(t.minor);
        expect(row.gc.counts.major).toBe(t.major);
        continue;
      }
      // Node runs a worker's first scavenges while it bootstraps, before any preload can
      // run (docs/process-tree.md F10): V8 prints them, no agent can see them. Everything
      // after is counted: the majors exactly, and at most those few bootstrap scavenges missing.
      expect(row.gc.counts.major).toBe(t.major);
      expect(t.minor - row.gc.counts.minor).toBeGreaterThanOrEqual(0);
      expect(t.minor - row.gc.counts.minor).toBeLessThanOrEqual(3);
      expect(row.gc.counts.minor).toBeGreaterThanOrEqual(5);
    }
    // …and the baseline says so.
    expect(r.baseline.notes.join('\n')).toMatch(/2 worker threads: the GCs V8 runs while Node starts a worker thread/);
  });
});

describe('a process and a thread the agent cannot reach', () => {
  it('lists both as not measured, with the reason, and says the totals leave them out', () => {
    const r = runs.unreachable!;
    expect(r.result.code, r.result.stderr.slice(-2000)).toBe(0);
    const leaf = r.unreached.find((u) => u.argv.some((a: string) => a.endsWith('alloc-leaf.cjs')));
    expect(leaf, JSON.stringify(r.unreached)).toBeDefined();
    expect(leaf.reason).toMatch(/NODE_OPTIONS|environment/);
    const thread = r.unreached.find((u) => u.threadId !== undefined);
    expect(thread, JSON.stringify(r.unreached)).toBeDefined();
    expect(r.baseline.notes.join('\n')).toMatch(/leave out|not measured/);
  });
});

describe('a cluster worker that runs out of heap', () => {
  it('crashes the run (exit 3) naming that worker; the others keep their data', () => {
    const r = runs['cluster-oom']!;
    expect(r.result.code, r.result.stderr.slice(-2000)).toBe(3);
    expect(r.baseline.status).toBe('crashed');
    const ends = r.samples.filter((s) => s.type === 'process-end');
    const oom = ends.find((e) => e.cause === 'oom');
    expect(oom, JSON.stringify(ends)).toBeDefined();
    expect(r.baseline.statusReason).toContain(`pid ${oom.pid}`);
    expect(r.baseline.statusReason).toMatch(/cluster worker.*cluster-oom\.cjs.*out of V8 heap/);
    const trace = traceByPid(r.result.stderr);
    const others = measured(r).filter((row) => row.pid !== oom.pid);
    expect(others.length).toBe(2);
    for (const row of others) expect(row.gc.counts.minor, `pid ${row.pid}`).toBeGreaterThanOrEqual(trace.get(row.pid)?.minor ?? 0);
    const worker1 = others.find((row) => row.role === 'cluster-worker');
    expect(worker1.gc.counts.minor).toBeGreaterThan(0);
  });
});
