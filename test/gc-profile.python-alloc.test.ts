import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, readJson, runCli, tempDir, type CliResult } from './helpers/cli.js';
import { findPython } from './helpers/python.js';

/**
 * `--alloc-sites -- python app.py`: memkit's Python agent traces with tracemalloc
 * (python/memkit_agent/alloc_sites.py) and sends the in-use view per stack. tracemalloc is
 * exact, not sampled: the sites are checked against what the fixture reads from its own
 * tracemalloc snapshot (its GROUND-TRUTH line), to the byte but for what the two reads see
 * differently (the fixture's own reading objects, a list's growth).
 */

const PY = join(FIXTURES, 'python');
const FIXTURE = 'test/fixtures/python/keeps-known-sites.py';
const PYTHON = findPython();
const tmp = tempDir();
afterAll(() => tmp.cleanup());

interface InuseRow {
  key: string;
  label: string;
  inuseBytes: number;
  inuseObjects: number;
}

function truthOf(r: CliResult): Record<string, number> {
  const line = (r.stdout + r.stderr).split('\n').find((l) => l.startsWith('GROUND-TRUTH '));
  if (!line) throw new Error(`no GROUND-TRUTH line in:\n${r.stdout}\n${r.stderr}`);
  return Object.fromEntries(line.slice('GROUND-TRUTH '.length).split(' ').map((kv) => [kv.split('=')[0]!, Number(kv.split('=')[1])]));
}

describe.skipIf(!PYTHON)('gc-profile --alloc-sites -- python', () => {
  const out = join(tmp.path, 'py.json');
  const small = join(tmp.path, 'py-small.json');
  const pprof = join(tmp.path, 'py.pb.gz');
  const folded = join(tmp.path, 'py.folded');
  const html = join(tmp.path, 'py.html');
  let r: CliResult;
  let rSmall: CliResult;
  beforeAll(async () => {
    [r, rSmall] = await Promise.all([
      runCli(['gc-profile', '--alloc-sites', '--no-progress', '--out', out, '--pprof', pprof, '--folded', folded, '--html', html, '--', PYTHON!, join(PY, 'keeps-known-sites.py'), '8']),
      runCli(['gc-profile', '--alloc-sites', '--no-progress', '--out', small, '--', PYTHON!, join(PY, 'keeps-known-sites.py'), '2']),
    ]);
  }, 60_000);

  it("names the functions that keep memory, at their def's line, with tracemalloc's own bytes", () => {
    expect(r.code, r.stderr).toBe(0);
    const truth = truthOf(r);
    expect(truth.keep_lists).toBeGreaterThan(8 * 1024 * 1024); // 128 blocks of 64 KiB, and the list's slots
    expect(truth.keep_dicts).toBeGreaterThan(2e6);
    const section = readJson(out).extra.allocSites;
    expect(section.source).toBe('tracemalloc');
    expect(section.views).toEqual(['inuse']);
    const rows: InuseRow[] = section.runs[0].topInuse;
    const row = (fn: string) => rows.find((x) => x.key === `${fn}@${FIXTURE}`);
    expect(row('keep_lists')?.label).toBe(`keep_lists (${FIXTURE}:11)`);
    expect(row('keep_dicts')?.label).toBe(`keep_dicts (${FIXTURE}:17)`);
    // The two largest, in this order; within 1 % of the fixture's own snapshot (exact, not sampled).
    expect(rows.slice(0, 2).map((x) => x.key)).toEqual([`keep_lists@${FIXTURE}`, `keep_dicts@${FIXTURE}`]);
    expect(Math.abs(row('keep_lists')!.inuseBytes - truth.keep_lists!)).toBeLessThan(0.01 * truth.keep_lists!);
    expect(Math.abs(row('keep_dicts')!.inuseBytes - truth.keep_dicts!)).toBeLessThan(0.01 * truth.keep_dicts!);
    expect(row('keep_lists')!.inuseObjects).toBeGreaterThanOrEqual(128);
    // The agent's own blocks are not a site.
    expect(rows.some((x) => /memkit_agent|sitecustomize/.test(x.key))).toBe(false);
  });

  it('says the allocated view is not measured, and shows no allocated figure (no zeros)', () => {
    const b = readJson(out);
    const run = b.extra.allocSites.runs[0];
    expect(run.sampledBytes).toBeUndefined();
    expect(run.top).toEqual([]);
    expect(b.extra.allocSites.notes.join('\n')).toMatch(/allocated view not measured: Python's tracemalloc/);
    expect(b.extra.allocSites.notes.join('\n')).not.toMatch(/V8/);
    const names = Object.keys(b.metrics).filter((n) => n.startsWith('alloc.'));
    expect(names).toContain(`alloc.site.keep_lists@${FIXTURE}.inuse_bytes`);
    expect(names).toContain('alloc.sites.inuse_bytes');
    expect(names.filter((n) => /\.(bytes|share|bytes_per_s|bytes_per_op)$|sampled_bytes/.test(n))).toEqual([]);
    expect(r.stdout).toMatch(/allocated view not measured \(tracemalloc sees live blocks only\)/);
    expect(r.stdout).toMatch(/In use at the end .* traced by tracemalloc/);
    expect(r.stdout).toMatch(/keep_lists \(test\/fixtures\/python\/keeps-known-sites\.py:11\)/);
    // The flame graph says who measured it, and that the allocated view was not.
    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/Traced by Python's tracemalloc: every live block, not sampled/);
    expect(page).not.toMatch(/Sampled by V8/);
    expect(page).toMatch(/data-not-measured="allocated">allocated: not measured/);
  });

  it('--pprof decodes: the in-use values total the in-use bytes, the allocated ones are zeros the comment explains; --folded is the in-use bytes', async () => {
    const { Profile } = await import('pprof-format');
    const p = Profile.decode(gunzipSync(readFileSync(pprof)));
    const str = (i: unknown) => p.stringTable.strings[Number(i)];
    expect(p.sampleType.map((t) => str(t.type))).toEqual(['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space']);
    expect(str(p.defaultSampleType)).toBe('inuse_space');
    const run = readJson(out).extra.allocSites.runs[0];
    const inuse = p.sample.reduce((s, x) => s + Number(x.value[3]), 0);
    expect(inuse).toBe(run.inuseBytes);
    expect(p.sample.every((x) => Number(x.value[1]) === 0)).toBe(true);
    const comments = p.comment.map(str).join('\n');
    expect(comments).toMatch(/tracemalloc/);
    expect(comments).toMatch(/alloc_\* values were not measured/);
    const lines = readFileSync(folded, 'utf8').trimEnd().split('\n');
    expect(lines.reduce((s, l) => s + Number(l.slice(l.lastIndexOf(' ') + 1)), 0)).toBe(inuse);
    expect(lines.some((l) => /;keep_lists \(test\/fixtures\/python\/keeps-known-sites\.py:11\) \d+$/.test(l))).toBe(true);
    expect(r.stderr).toMatch(/collapsed stacks written: .*in-use bytes/);
  });

  it("memkit diff compares two Python baselines' in-use site bytes", async () => {
    expect(rSmall.code, rSmall.stderr).toBe(0);
    const small8 = truthOf(rSmall).keep_lists!;
    const d = await runCli(['diff', small, out, '--format', 'json']);
    expect([0, 1], d.stderr).toContain(d.code);
    const report = JSON.parse(d.stdout);
    const metric = (report.metrics as Array<{ name: string; base: { median: number }; current: { median: number } }>).find((m) => m.name === `alloc.site.keep_lists@${FIXTURE}.inuse_bytes`);
    expect(metric, d.stdout.slice(0, 2000)).toBeDefined();
    expect(Math.abs(metric!.base.median - small8)).toBeLessThan(0.01 * small8);
    expect(metric!.current.median).toBeGreaterThan(3.5 * metric!.base.median); // 8 MiB against 2 MiB
  }, 30_000);
});

describe.skipIf(!PYTHON)('mem-stress --alloc-sites -- python leak', () => {
  it('names the leaking function as a growing in-use site', async () => {
    const out = join(tmp.path, 'leak.json');
    const args = (duration: string) => ['mem-stress', '--alloc-sites', '--duration', duration, '--warmup', '1s', '--checkpoint-every', '250ms', '--no-progress', '--out', out, '--', PYTHON!, join(PY, 'leak-dict-cache.py')];
    let r = await runCli(args('5s'));
    // Too few checkpoints on a busy machine: once more, twice as long (as mem-stress.python does).
    if (/forced-GC checkpoints after warm-up/.test(readJson(out).extra?.leak?.reason ?? '')) r = await runCli(args('10s'));
    expect(r.code, r.stderr).toBe(0);
    const leak = readJson(out).extra.runs[0].leak;
    expect(leak.verdict, leak.reason).toBe('leak');
    const keys = (leak.sites as Array<{ key: string }>).map((s) => s.key);
    // payload() makes the 2 KB bytes each leaked unit holds; quote() the cache's keys and slots.
    expect(keys[0]).toBe('payload@test/fixtures/python/soak_pace.py');
    expect(leak.reason).toMatch(/growing in use: payload \(test\/fixtures\/python\/soak_pace\.py:11\)/);
  }, 60_000);
});
