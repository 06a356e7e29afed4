import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeBaseline, writeFixture } from './fixtures/baselines/builder.mjs';

// The real, built CLI (make test builds dist/ first) on fixture baselines.
const BIN = resolve('bin/memkit.js');
const dir = mkdtempSync(join(tmpdir(), 'memkit-diff-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function memkit(args: string[], opts: { cwd?: string; nodeArgs?: string[]; env?: Record<string, string> } = {}) {
  const r = spawnSync(process.execPath, [...(opts.nodeArgs ?? []), BIN, ...args], {
    cwd: opts.cwd ?? dir,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '', MEMKIT_DEBUG: '', ...opts.env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The same CLI entry (dist/src/cli/main.js) called in this process: exit code, stdout
 * and stderr as the bin would give them, without a node start-up per case, so the long
 * list of bad-input classes stays inside the suite's time budget. The real bin is
 * spawned for the exit-code contract itself and for the cold-start trace.
 */
async function inProcess(args: string[], opts: { cwd?: string } = {}) {
  const { main } = await import('../dist/src/cli/main.js');
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  const cwd = process.cwd();
  const saved = process.exitCode;
  process.exitCode = undefined;
  const env = { NO_COLOR: process.env.NO_COLOR };
  process.env.NO_COLOR = '1';
  try {
    if (opts.cwd) process.chdir(opts.cwd);
    await main(['node', 'memkit', ...args]);
  } finally {
    process.chdir(cwd);
    out.mockRestore();
    err.mockRestore();
    if (env.NO_COLOR === undefined) delete process.env.NO_COLOR;
    else process.env.NO_COLOR = env.NO_COLOR;
  }
  const code = process.exitCode ?? 0;
  process.exitCode = saved;
  return { code, stdout, stderr };
}

const P95 = [10, 10.4, 9.8, 10.2, 9.9];
const f: Record<string, string> = {};
beforeAll(() => {
  const metrics = { 'gc.pause.p95_ms': P95, 'gc.count.major': [3, 3, 4, 3, 3], 'rss.growth_bytes': [4e5, 5e5, 4.5e5, 4.2e5, 4.8e5] };
  f.base = writeFixture(dir, 'base.json', makeBaseline({ metrics }));
  f.same = writeFixture(dir, 'same.json', makeBaseline({ metrics }));
  f.worse = writeFixture(dir, 'worse.json', makeBaseline({ metrics: { ...metrics, 'gc.pause.p95_ms': P95.map((v) => v + 4) } }));
  f.fewer = writeFixture(dir, 'fewer.json', makeBaseline({ metrics: { 'gc.pause.p95_ms': P95 } }));
  f.heap = writeFixture(dir, 'heap.json', makeBaseline({ kind: 'heap-summary', metrics: { 'heap.used.peak_bytes': [1e6] } }));
  f.crashed = writeFixture(dir, 'crashed.json', makeBaseline({ status: 'crashed', metrics }));
  f.newNode = writeFixture(dir, 'new-node.json', makeBaseline({ metrics, environment: { node: 'v22.1.0' } }));
  f.split1 = writeFixture(join(dir, 'split'), 'cur-1.json', makeBaseline({ metrics: { 'gc.pause.p95_ms': [14, 14.4] } }));
  f.split2 = writeFixture(join(dir, 'split'), 'cur-2.json', makeBaseline({ metrics: { 'gc.pause.p95_ms': [13.8, 14.2, 13.9] } }));
  const text = JSON.stringify(makeBaseline({ metrics }));
  f.malformed = writeFixture(dir, 'malformed.json', text.replace('"kind"', 'kind'));
  f.truncated = writeFixture(dir, 'truncated.json', text.slice(0, 300));
  f.schema = writeFixture(dir, 'schema.json', text.replace('memkit.baseline/1', 'memkit.baseline/2'));
  f.nan = writeFixture(dir, 'nan.json', text.replace('"values":[3,3,4,3,3]', '"values":[3,"NaN",4,3,3]'));
  f.negative = writeFixture(dir, 'negative.json', text.replace('"values":[3,3,4,3,3]', '"values":[3,-3,4,3,3]'));
});

function expectOneLineError(r: { code: number | null | string; stdout: string; stderr: string }, message: RegExp) {
  expect(r.code).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^memkit: error: /);
  expect(lines[0]).toMatch(message);
  expect(r.stdout).toBe('');
}

describe('exit codes of the real bin', () => {
  it('0: no regression between identical runs', () => {
    const r = memkit(['diff', f.base!, f.same!]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/result: no regression, 3 unchanged/);
    expect(r.stderr).toBe('');
  });

  it('1: a significant regression beyond the threshold', () => {
    const r = memkit(['diff', f.base!, f.worse!]);
    expect(r.code).toBe(1);
    // "Changed by more than the threshold", one-sided at 0.025, BH (the default) across the deciding metrics whose runs could
    // show such a change at all (gc.count.major's 3,3,4,3,3 twice cannot clear 10 % and 2: outside the family): 1/252 x 1;
    // the whole 95 % Hodges-Lehmann interval of the shift is beyond the threshold.
    expect(r.stdout).toMatch(/gc\.count\.major .* outside the correction \(no split of these runs clears the threshold\)/);
    expect(r.stdout).toMatch(/gc\.pause\.p95_ms .* regressed .* p=0\.004, bh 0\.004 <= 0\.025; shift \+40\.0% \[\+36\.0%, \+44\.0%\] beyond 25% and 0\.50 ms/);
    expect(r.stdout).toMatch(/with this noise, 5 runs per side detect a change of >= [\d.]+% in gc\.pause\.p95_ms; 10 runs >= [\d.]+%/);
    expect(r.stdout).toMatch(/result: 1 regression \(gc\.pause\.p95_ms\)/);
  });

  it('2: bad input, from the real bin: one line, no stack trace', () => {
    expectOneLineError(memkit(['diff', f.base!, join(dir, 'nope.json')]), /nope\.json: no such file or directory/);
    expectOneLineError(memkit(['diff', f.base!, f.truncated!]), /truncated\.json: truncated JSON/);
  });

  it('1: a broken --max even when nothing changed; 0 when --metrics or --threshold excuse the change', async () => {
    expect((await inProcess(['diff', f.base!, f.same!, '--max', 'rss.growth_bytes=400KB'])).code).toBe(1);
    expect((await inProcess(['diff', f.base!, f.same!, '--max', 'rss.growth_bytes=5MB'])).code).toBe(0);
    expect((await inProcess(['diff', f.base!, f.worse!, '--metrics', 'rss.*,gc.count.*'])).code).toBe(0);
    expect((await inProcess(['diff', f.base!, f.worse!, '--threshold', 'gc.pause.p95_ms=50%'])).code).toBe(0);
  });

  const bad: Array<[string, () => string[], RegExp]> = [
    ['a missing file', () => ['diff', f.base!, join(dir, 'nope.json')], /nope\.json: no such file or directory/],
    ['a directory', () => ['diff', f.base!, dir], /is a directory, expected a file/],
    ['malformed JSON', () => ['diff', f.base!, f.malformed!], /malformed\.json: malformed JSON at byte \d+/],
    ['truncated JSON', () => ['diff', f.base!, f.truncated!], /truncated\.json: truncated JSON/],
    ['an unknown schema version', () => ['diff', f.schema!, f.base!], /schema\.json: unknown schema version 'memkit\.baseline\/2'/],
    ['different kinds', () => ['diff', f.heap!, f.base!], /cannot compare a heap-summary baseline .* with a gc-profile run .*: different kinds/],
    ['a metric named in --metrics on one side only', () => ['diff', f.base!, f.fewer!, '--metrics', 'gc.count.major'], /gc\.count\.major is named in --metrics but missing from the current run/],
    ['NaN', () => ['diff', f.base!, f.nan!], /nan\.json: metric gc\.count\.major: value "NaN" is not a number/],
    ['a negative count', () => ['diff', f.base!, f.negative!], /negative\.json: metric gc\.count\.major: negative value -3/],
    ['a crashed run without --allow-partial', () => ['diff', f.base!, f.crashed!], /crashed\.json: crashed .*--allow-partial/],
    ['a bad threshold', () => ['diff', f.base!, f.same!, '--threshold', 'gc.pause.p95_ms=lots'], /--threshold gc\.pause\.p95_ms=lots: 'lots' is not an amount/],
    ['an unknown format', () => ['diff', f.base!, f.same!, '--format', 'yaml'], /--format: 'yaml' is not one of table, json, markdown, junit/],
    ['a bad --alpha', () => ['diff', f.base!, f.same!, '--alpha', '2'], /--alpha: 2 must be between 0 and 0\.5/],
    ['a glob that matches nothing', () => ['diff', join(dir, 'none-*.json'), f.base!], /base: no file matches/],
    ['shell-expanded globs', () => ['diff', f.base!, f.same!, f.worse!], /diff takes two files, BASE and CURRENT, but got 3/],
  ];
  for (const [what, args, message] of bad) {
    it(`2: ${what}`, async () => expectOneLineError(await inProcess(args()), message));
  }

  it('a metric on one side only is a warning on stderr, not a failure', async () => {
    const r = await inProcess(['diff', f.base!, f.fewer!]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^memkit: warning: metric gc\.count\.major is only in the base run/m);
  });
});

describe('formats and files', async () => {
  it('--format json: versioned, stable, parseable; warnings included', async () => {
    const r = await inProcess(['diff', f.base!, f.newNode!, '--format', 'json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.schema).toBe('memkit.diff/1');
    expect(doc).toMatchObject({ kind: 'gc-profile', outcome: 'pass', exitCode: 0, alpha: 0.05 });
    expect(Object.keys(doc)).toEqual(['schema', 'tool', 'kind', 'outcome', 'exitCode', 'alpha', 'correction', 'family', 'base', 'current', 'counts', 'metrics', 'detectable', 'environment', 'warnings']);
    const p95 = doc.metrics.find((m: { name: string }) => m.name === 'gc.pause.p95_ms');
    expect(p95).toMatchObject({ verdict: 'unchanged', label: '~', gating: true, basis: 'test+threshold', test: { method: 'exact', pValue: 1, adjustedP: 1, correction: 'bh' } });
    expect(p95.shift).toMatchObject({ estimate: 0, level: 0.95 });
    // Identical runs: no split of them could show a change beyond any threshold, so nothing is in the family.
    expect(doc).toMatchObject({ correction: 'bh', family: 0 });
    const advice = doc.detectable.find((d: { name: string }) => d.name === 'gc.pause.p95_ms');
    expect(advice.at.map((a: { runsPerSide: number }) => a.runsPerSide)).toEqual([5, 10]);
    expect(advice.at[1].relative).toBeLessThan(advice.at[0].relative);
    expect(p95.base).toMatchObject({ n: 5, median: 10, ci: { low: 9.8, high: 10.4, level: 0.9375 } });
    expect(doc.warnings[0]).toMatch(/Node\.js version differs: base v20\.20\.2, current v22\.1\.0/);
    expect(r.stderr).toMatch(/memkit: warning: Node\.js version differs/);
  });

  it('several files per side pool their runs (quoted glob, --base/--current)', async () => {
    const viaGlob = JSON.parse((await inProcess(['diff', f.base!, join(dir, 'split', 'cur-*.json'), '--format', 'json'])).stdout);
    expect(viaGlob.current.files).toEqual([f.split1, f.split2]);
    expect(viaGlob.metrics.find((m: { name: string }) => m.name === 'gc.pause.p95_ms')).toMatchObject({ name: 'gc.pause.p95_ms', verdict: 'regressed', current: { n: 5 } });
    const r = await inProcess(['diff', '--base', f.base!, '--current', f.split1!, f.split2!, '--format', 'json', '--metrics', 'gc.pause.*']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).current.runs).toBe(5);
  });

  it('--format markdown and junit; --output writes the report to a file', async () => {
    const md = await inProcess(['diff', f.base!, f.worse!, '--format', 'markdown']);
    expect(md.code).toBe(1);
    expect(md.stdout).toMatch(/^### ❌ memkit diff \(gc-profile\): 1 regression/);
    expect(md.stdout).toMatch(/\| `gc\.pause\.p95_ms` \| 10\.0 ms \\\[9\.80–10\.4\\\] \| 14\.0 ms .* \| \*\*regressed\*\* \|/);
    const out = join(dir, 'reports', 'diff.xml');
    const junit = await inProcess(['diff', f.base!, f.worse!, '--format', 'junit', '--output', out]);
    expect(junit.code).toBe(1);
    expect(junit.stdout).toBe('');
    const xml = readFileSync(out, 'utf8');
    expect(xml).toMatch(/<testsuites name="memkit diff \(gc-profile\)" tests="3" failures="1" errors="0" skipped="0">/);
    expect(xml).toMatch(/<testcase classname="memkit\.diff\.gc-profile" name="gc\.pause\.p95_ms" time="0">\s*<failure type="regression" message="regressed: p=0\.004, bh 0\.004 &lt;= 0\.025;/);
  });

  it('the config file in the working folder applies; --no-config ignores it', async () => {
    const cwd = join(dir, 'with-config');
    writeFixture(cwd, 'memkit.config.json', { diff: { max: { 'rss.growth_bytes': '400KB' } } });
    expect((await inProcess(['diff', f.base!, f.same!], { cwd })).code).toBe(1);
    expect((await inProcess(['diff', f.base!, f.same!, '--no-config'], { cwd })).code).toBe(0);
  });
});

describe('accepting a run as the new baseline', async () => {
  it('diff --update-baseline shows the diff, replaces the baseline and exits 0', async () => {
    const base = writeFixture(join(dir, 'accept'), 'base.json', JSON.parse(readFileSync(f.base!, 'utf8')));
    const r = await inProcess(['diff', base, f.worse!, '--update-baseline']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/regressed/);
    expect(r.stderr).toMatch(/baseline updated: .*base\.json <- .*worse\.json \(accepting 1 regression\(s\)\)/);
    expect((await inProcess(['diff', base, f.worse!])).code).toBe(0);
  });

  it('baseline accept CURRENT BASE creates or replaces; refuses a crashed run', async () => {
    const base = join(dir, 'accept', 'new', 'base.json');
    expect((await inProcess(['baseline', 'accept', f.worse!, base])).code).toBe(0);
    expect(JSON.parse(readFileSync(base, 'utf8')).metrics['gc.pause.p95_ms'].values).toEqual(P95.map((v) => v + 4));
    expectOneLineError(await inProcess(['baseline', 'accept', f.crashed!, base]), /crashed\.json: the run is crashed; .*--allow-partial/);
    expectOneLineError(await inProcess(['baseline']), /baseline: missing subcommand \(expected: accept CURRENT BASE\)/);
    expect(existsSync(base)).toBe(true);
  });
});

describe('cold start', () => {
  it('diff loads no runner, agent, scenario, heap-snapshot engine, similarity kernel, pidusage, ora or native addon', () => {
    const trace = join(dir, 'trace.txt');
    const r = memkit(['diff', f.base!, f.worse!], {
      nodeArgs: ['--import', resolve('test/fixtures/trace-imports.mjs')],
      env: { MEMKIT_TRACE_FILE: trace },
    });
    expect(r.code).toBe(1);
    const loaded = readFileSync(trace, 'utf8').split('\n').filter(Boolean);
    // diff runs from its entry bundled at build time (scripts/bundle-cli.mjs), which the bin
    // compiles itself (with its V8 code cache): the trace sees the bin, and none of the full
    // CLI's modules in dist/ ...
    expect(loaded.some((l) => l.endsWith('/bin/memkit.js'))).toBe(true);
    expect(loaded.filter((l) => /\/dist\/src\/.*\.js$/.test(l))).toEqual([]);
    // ... and the bundle's metafile lists the modules inside it. The check works: it sees
    // diff's own modules there.
    const meta = JSON.parse(readFileSync(resolve('dist/src/cli/diff-entry.bundle.meta.json'), 'utf8')) as { inputs: Record<string, unknown> };
    const bundled = Object.keys(meta.inputs).map((f) => `bundled /${f}`);
    expect(bundled).toContain('bundled /dist/src/commands/diff.js');
    expect(bundled).toContain('bundled /dist/src/analyze/mann-whitney.js');
    // Neither the bundle nor what diff loads at run time holds what the other commands
    // run: the runner, the in-child agent, scenarios, the heap-snapshot engine, the
    // similarity kernel, and their packages and native addons.
    const forbidden = [...loaded, ...bundled].filter((l) =>
      /\/dist\/src\/(run|agent|scenario|profile|heap|similarity)\/|\/node_modules\/(pidusage|ora|prom-client|better-sqlite3)\/|^native |\.node$/.test(l),
    );
    expect(forbidden).toEqual([]);
  });
});
