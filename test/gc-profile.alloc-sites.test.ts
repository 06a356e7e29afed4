import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocSites } from '../src/analyze/alloc-sites.js';
import { allocTreeFromV8Profile } from '../src/analyze/alloc-tree.js';
import { FIXTURES, ROOT, runCli, tempDir, type CliResult } from './helpers/cli.js';

/*
 * Issue 15: `--alloc-sites` on a plain program whose allocation is known (allocA: three
 * 64-element arrays a call, allocB: one of the same shape), and on a built-in scenario.
 * V8's sampling heap profiler runs in the measured process; memkit names the sites.
 */

const FIXTURE = join(FIXTURES, 'alloc', 'ab-command.js');

interface SiteRow {
  key: string;
  label: string;
  allocBytes: number;
  allocShare: number;
  stack: string[];
}

describe('gc-profile --alloc-sites -- node program.js', () => {
  const dir = tempDir('memkit-alloc-sites-');
  afterAll(() => dir.cleanup());
  const out = join(dir.path, 'b.json');
  const folded = join(dir.path, 'ab.folded');
  const pprof = join(dir.path, 'ab.pb.gz');
  let r: CliResult;
  let baseline: { metrics: Record<string, { value: number }>; extra: { allocSites: { runs: Array<{ sampledBytes: number; seconds: number; profiles: number; top: SiteRow[] }>; notes: string[] } } };
  beforeAll(async () => {
    // 32 KiB: ~7,000 samples of the program's ~225 MB, so the sampler's randomness is ~2.5 % of the A/B ratio (bound 15 %).
    // Inlining off: V8 gives an inlined callee's allocations to its caller (the notes say so).
    r = await runCli(
      ['gc-profile', '--alloc-sites', '--alloc-interval', '32KiB', '--folded', folded, '--pprof', pprof, '--out', out, '--no-progress', '--', process.execPath, '--max-inlined-bytecode-size=0', FIXTURE],
      { env: { AB_CALLS: '100000' } },
    );
    baseline = JSON.parse(readFileSync(out, 'utf8'));
  }, 120_000);

  it('names allocA and allocB, in that order, at their lines, 3 : 1 within 15 %', () => {
    expect(r.code, r.stderr).toBe(0);
    const run = baseline.extra.allocSites.runs[0]!;
    expect(run.profiles).toBe(1);
    const [a, b] = run.top;
    expect(a!.label).toBe('allocA (test/fixtures/alloc/ab-command.js:7)');
    expect(a!.key).toBe('allocA@test/fixtures/alloc/ab-command.js');
    expect(b!.label).toBe('allocB (test/fixtures/alloc/ab-command.js:12)');
    expect(a!.allocBytes / b!.allocBytes).toBeGreaterThan(3 * 0.85);
    expect(a!.allocBytes / b!.allocBytes).toBeLessThan(3 * 1.15);
    expect(a!.stack.at(-1)).toBe(a!.label);
    expect(r.stdout).toMatch(/Allocation sites: .* sampled, 1 sample per 32\.77 KB/);
    expect(r.stdout).toMatch(/1 │ +7\d\.\d% │ .* │ allocA \(test\/fixtures\/alloc\/ab-command\.js:7\)/);
  });

  it("the sites' sum per second is within 20 % of the run's GC-derived allocation rate", () => {
    const run = baseline.extra.allocSites.runs[0]!;
    const ratio = run.sampledBytes / run.seconds / baseline.metrics['alloc.rate_bytes_per_s']!.value;
    expect(ratio).toBeGreaterThan(0.8);
    expect(ratio).toBeLessThan(1.2);
  });

  it("keeps the agent's own reads out, and says how inlining and start lines shape the sites", () => {
    const labels = baseline.extra.allocSites.runs[0]!.top.map((s) => s.label).join('\n');
    expect(labels).not.toMatch(/tree-agent|alloc-sampler|encodeV8Profile/);
    expect(baseline.extra.allocSites.notes.join('\n')).toMatch(/inlined .* --alloc-no-inline \(or node --max-inlined-bytecode-size=0\)/);
  });

  it('without the gc-hooks addon (node:inspector), the allocated view only: the in-use view is said not measured', async () => {
    const fallback = join(dir.path, 'inspector.json');
    const f = await runCli(['gc-profile', '--alloc-sites', '--out', fallback, '--no-progress', '--', process.execPath, FIXTURE], { env: { AB_CALLS: '20000', MEMKIT_GC_HOOKS: '0' } });
    expect(f.code, f.stderr).toBe(0);
    const section = JSON.parse(readFileSync(fallback, 'utf8')).extra.allocSites;
    expect(section.source).toBe('inspector');
    expect(section.views).toEqual(['allocated']);
    expect(section.runs[0].top[0].key).toMatch(/^alloc[AB]@/);
    expect(section.runs[0].topInuse).toBeUndefined();
    expect(section.notes.join('\n')).toMatch(/in-use view not measured: it needs memkit's gc-hooks addon/);
    expect(f.stdout).toMatch(/in-use view: not measured/);
  }, 60_000);

  it('--pprof decodes with four sample types whose alloc_space totals the sampled bytes; --folded adds up the same', async () => {
    const { Profile } = await import('pprof-format');
    const p = Profile.decode(gunzipSync(readFileSync(pprof)));
    const str = (i: unknown) => p.stringTable.strings[Number(i)];
    expect(p.sampleType.map((t) => str(t.type))).toEqual(['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space']);
    const space = p.sample.reduce((s, x) => s + Number(x.value[1]), 0);
    const sampled = baseline.extra.allocSites.runs[0]!.sampledBytes;
    // Each stack's value is rounded to an integer once.
    expect(Math.abs(space - sampled)).toBeLessThanOrEqual(p.sample.length);
    const inuse = p.sample.reduce((s, x) => s + Number(x.value[3]), 0);
    const run = baseline.extra.allocSites.runs[0]! as unknown as { inuseBytes: number };
    expect(run.inuseBytes).toBeGreaterThan(0);
    expect(Math.abs(inuse - run.inuseBytes)).toBeLessThanOrEqual(p.sample.length);
    const lines = readFileSync(folded, 'utf8').trimEnd().split('\n');
    expect(lines.reduce((s, l) => s + Number(l.slice(l.lastIndexOf(' ') + 1)), 0)).toBe(space);
    expect(lines.some((l) => l.endsWith(`allocA (test/fixtures/alloc/ab-command.js:7) ${l.slice(l.lastIndexOf(' ') + 1)}`))).toBe(true);
  });
});

describe("the same program's sites from memkit and from V8's own node --heap-prof", () => {
  it('name the same top two functions, in the same order', async () => {
    const dir = tempDir('memkit-alloc-sites-');
    try {
      // ab-retain.js keeps everything it allocates, so V8's file (what is alive at exit) holds it too.
      const fixture = join(FIXTURES, 'alloc', 'ab-retain.js');
      const env = { AB_CALLS: '20000' };
      const out = join(dir.path, 'b.json');
      const r = await runCli(['gc-profile', '--alloc-sites', '--alloc-interval', '8KiB', '--out', out, '--no-progress', '--', process.execPath, '--max-inlined-bytecode-size=0', fixture], { env });
      expect(r.code, r.stderr).toBe(0);
      const run = JSON.parse(readFileSync(out, 'utf8')).extra.allocSites.runs[0];
      const memkitTop = run.top.slice(0, 2).map((t: SiteRow) => t.key);
      // Everything is kept: the in-use view at exit (after memkit's GC) is V8's file's view.
      const inuseTop = run.topInuse.slice(0, 2);
      const v8 = spawnSync(process.execPath, ['--heap-prof', `--heap-prof-dir=${dir.path}`, '--heap-prof-interval=8192', '--max-inlined-bytecode-size=0', fixture], {
        env: { ...process.env, ...env, NODE_OPTIONS: '' },
        encoding: 'utf8',
      });
      expect(v8.status, v8.stderr).toBe(0);
      const file = readdirSync(dir.path).find((f) => f.endsWith('.heapprofile'))!;
      const tree = allocTreeFromV8Profile(JSON.parse(readFileSync(join(dir.path, file), 'utf8')), 'inuse', { cwd: ROOT, intervalBytes: 8192 });
      const v8Sites = allocSites(tree);
      const v8Top = v8Sites.slice(0, 2).map((s) => s.key);
      expect(memkitTop).toEqual(['allocA@test/fixtures/alloc/ab-retain.js', 'allocB@test/fixtures/alloc/ab-retain.js']);
      expect(v8Top).toEqual(memkitTop);
      expect(inuseTop.map((t: { key: string }) => t.key)).toEqual(memkitTop);
      // Two independent samplings of the same retained arrays. allocB keeps ~11 MB, ~1,400
      // samples at 8 KiB: each estimate moves ~2.7 %, their ratio ~3.8 %. Within 20 % is five
      // of those (10 % was two and a half, and failed once in a full run); a view that lost or
      // doubled a share of the live objects would still fail it.
      for (const i of [0, 1]) {
        const ratio = inuseTop[i].inuseBytes / v8Sites[i]!.inuseBytes;
        expect(ratio).toBeGreaterThan(0.8);
        expect(ratio).toBeLessThan(1.2);
      }
      expect(inuseTop[0].inuseBytes / inuseTop[1].inuseBytes).toBeGreaterThan(3 * 0.85);
      expect(inuseTop[0].inuseBytes / inuseTop[1].inuseBytes).toBeLessThan(3 * 1.15);
    } finally {
      dir.cleanup();
    }
  }, 60_000);
});

describe('gc-profile --alloc-sites on a scenario', () => {
  it('sites of the scenario module, per step', async () => {
    const dir = tempDir('memkit-alloc-sites-');
    try {
      const out = join(dir.path, 'b.json');
      const r = await runCli(['gc-profile', '--scenario', 'lru-cache', '--alloc-sites', '--steps', '20000', '--duration', '10s', '--out', out, '--no-progress']);
      expect(r.code, r.stderr).toBe(0);
      const b = JSON.parse(readFileSync(out, 'utf8'));
      const run = b.extra.allocSites.runs[0];
      expect(run.steps).toBe(20000);

      // dist/scenarios/lru-cache.js has tsc's map beside it: the site is in the scenario's TypeScript source.
      expect(run.top[0].label).toMatch(/ \(scenarios\/lru-cache\.ts:\d+\)$/);
      expect(r.stdout).toMatch(/per step/);
    } finally {
      dir.cleanup();
    }
  }, 60_000);
});

describe('--alloc-sites in every isolate of a command', () => {
  it("a worker thread's sites are there beside the main thread's, each isolate's profile added in", async () => {
    const dir = tempDir('memkit-alloc-sites-');
    try {
      const out = join(dir.path, 'b.json');
      const fixture = join(FIXTURES, 'alloc', 'worker-sites.cjs');
      const r = await runCli(['gc-profile', '--alloc-sites', '--alloc-interval', '64KiB', '--out', out, '--no-progress', '--', process.execPath, '--max-inlined-bytecode-size=0', fixture]);
      expect(r.code, r.stderr).toBe(0);
      const run = JSON.parse(readFileSync(out, 'utf8')).extra.allocSites.runs[0];
      expect(run.profiles).toBe(2);
      const [w, m] = run.top as SiteRow[];
      expect([w!.key, m!.key]).toEqual(['workerAlloc@test/fixtures/alloc/worker-sites.cjs', 'mainAlloc@test/fixtures/alloc/worker-sites.cjs']);
      // The worker makes twice the calls of the same shape: ~1,800 samples each side at 64 KiB.
      expect(w!.allocBytes / m!.allocBytes).toBeGreaterThan(2 * 0.85);
      expect(w!.allocBytes / m!.allocBytes).toBeLessThan(2 * 1.15);
    } finally {
      dir.cleanup();
    }
  }, 60_000);
});

describe('--alloc-no-inline', () => {
  it("turns V8's inlining off from the agent: the program run without node's flag still has allocA and allocB as sites, 3 : 1", async () => {
    const dir = tempDir('memkit-alloc-sites-');
    try {
      const out = join(dir.path, 'b.json');
      // Inlined (no flag at all), the main module's loop takes most of both functions' bytes.
      const r = await runCli(['gc-profile', '--alloc-sites', '--alloc-no-inline', '--alloc-interval', '32KiB', '--out', out, '--no-progress', '--', process.execPath, FIXTURE], {
        env: { AB_CALLS: '30000' },
      });
      expect(r.code, r.stderr).toBe(0);
      const section = JSON.parse(readFileSync(out, 'utf8')).extra.allocSites;
      const [a, b] = section.runs[0].top as SiteRow[];
      expect([a!.key, b!.key]).toEqual(['allocA@test/fixtures/alloc/ab-command.js', 'allocB@test/fixtures/alloc/ab-command.js']);
      expect(a!.allocBytes / b!.allocBytes).toBeGreaterThan(3 * 0.85);
      expect(a!.allocBytes / b!.allocBytes).toBeLessThan(3 * 1.15);
      expect(section.notes.join('\n')).toMatch(/inlining was off \(--alloc-no-inline\)/);
    } finally {
      dir.cleanup();
    }
  }, 60_000);
});

describe('--alloc-sites on a hot scenario step', () => {
  it("keeps what V8 inlined into memkit's step loop: the sites add up to the GC's count, and the note says where they went", async () => {
    const dir = tempDir('memkit-alloc-sites-');
    try {
      const out = join(dir.path, 'b.json');
      // A Map cache keyed by a fresh string each step: V8 optimises the step and inlines it into the loop that calls it.
      const r = await runCli([
        'gc-profile', '--scenario', join(FIXTURES, 'scenarios', 'leaks.js'), '--variant', 'map-cache', '--alloc-sites', '--alloc-interval', '64KiB',
        '--steps', '50000', '--duration', '20s', '--out', out, '--no-progress',
      ]);
      expect(r.code, r.stderr).toBe(0);
      const b = JSON.parse(readFileSync(out, 'utf8'));
      const run = b.extra.allocSites.runs[0];
      // Once dropped as the agent's own (178 of 210 MB): the sites then summed to 15 % of the GC's count.
      const ratio = b.metrics['alloc.sites.sampled_bytes_per_op'].value / b.metrics['alloc.bytes_per_op'].value;
      expect(ratio).toBeGreaterThan(0.8);
      expect(ratio).toBeLessThan(1.2);
      expect(run.ownBytes).toBeLessThan(0.05 * run.sampledBytes);
      expect(run.inuseBytes / b.metrics['heap.used.growth_bytes'].value).toBeGreaterThan(0.8);
    } finally {
      dir.cleanup();
    }
  }, 60_000);
});

describe('--alloc-sites options', () => {
  it('its outputs need it, and a bad interval is one line, exit 2', async () => {
    const noSites = await runCli(['gc-profile', '--pprof', 'x.pb.gz', '--scenario', 'small-objects', '--steps', '1']);
    expect(noSites.code).toBe(2);
    expect(noSites.stderr.trim().split('\n')).toEqual(['memkit: error: --pprof: needs --alloc-sites (the sites are what it writes)']);
    const tiny = await runCli(['gc-profile', '--alloc-sites', '--alloc-interval', '10', '--scenario', 'small-objects', '--steps', '1']);
    expect(tiny.code).toBe(2);
    expect(tiny.stderr).toMatch(/^memkit: error: --alloc-interval: 10 is outside 1KiB\.\.64MiB/);
  });
});

describe('memkit diff compares allocation sites', () => {
  const dir = tempDir('memkit-alloc-diff-');
  afterAll(() => dir.cleanup());
  const profile = (name: string, env: Record<string, string>) =>
    runCli(
      ['gc-profile', '--alloc-sites', '--alloc-interval', '32KiB', '--repeat', '5', '--out', join(dir.path, name), '--no-progress', '--', process.execPath, '--max-inlined-bytecode-size=0', FIXTURE],
      { env: { AB_CALLS: '30000', ...env } },
    );
  beforeAll(async () => {
    for (const [name, env] of [['base.json', {}], ['same.json', {}], ['b-twice.json', { B_FACTOR: '2' }]] as const) {
      const r = await profile(name, env);
      if (r.code !== 0) throw new Error(`gc-profile ${name}: ${r.stderr}`);
    }
  }, 180_000);
  const diff = (a: string, b: string, ...extra: string[]) => runCli(['diff', join(dir.path, a), join(dir.path, b), '--no-config', '--format', 'json', ...extra]);

  it('per run and site: one value per --repeat run, the share beside it', () => {
    const b = JSON.parse(readFileSync(join(dir.path, 'base.json'), 'utf8'));
    const a = b.metrics['alloc.site.allocA@test/fixtures/alloc/ab-command.js.bytes'];
    expect(a.values).toHaveLength(5);
    expect(b.metrics['alloc.site.allocA@test/fixtures/alloc/ab-command.js.share'].value).toBeGreaterThan(0.6);
  });

  it('allocB allocating twice as much: exit 1, allocB regressed, allocA unchanged', async () => {
    const r = await diff('base.json', 'b-twice.json');
    expect(r.code, r.stderr).toBe(1);
    const doc = JSON.parse(r.stdout);
    const verdict = (name: string) => doc.metrics.find((m: { name: string }) => m.name === name)?.verdict;
    expect(verdict('alloc.site.allocB@test/fixtures/alloc/ab-command.js.bytes')).toBe('regressed');
    expect(verdict('alloc.site.allocA@test/fixtures/alloc/ab-command.js.bytes')).toBe('unchanged');
    // Named as people read it: the label from the baselines' extra.allocSites, at the head of the reason.
    const b = doc.metrics.find((m: { name: string }) => m.name === 'alloc.site.allocB@test/fixtures/alloc/ab-command.js.bytes');
    expect(b.siteLabel).toBe('allocB (test/fixtures/alloc/ab-command.js:12)');
    expect(b.reason).toMatch(/^allocB \(test\/fixtures\/alloc\/ab-command\.js:12\): p=0\.004, bh [\d.]+ <= 0\.025; shift \+\d+\.\d%/);
  });

  it('the same code on both sides, either way round: exit 0', async () => {
    // The sites decide (they count bytes); the clock-bound metrics beside them (GC pauses)
    // move with the machine's load between the two series, which is not what this tests.
    for (const [a, b] of [['base.json', 'same.json'], ['same.json', 'base.json']] as const) {
      const r = await diff(a, b, '--metrics', 'alloc.*');
      const doc = JSON.parse(r.stdout);
      expect(r.code, doc.metrics.filter((m: { verdict: string }) => m.verdict === 'regressed').map((m: { name: string }) => m.name).join(', ')).toBe(0);
    }
  });
});
