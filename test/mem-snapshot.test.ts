import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * mem-snapshot end to end: real snapshots written by memkit's capture inside a child
 * (1000 LeakyThing objects allocated over two intervals), read back through the built CLI.
 */
const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'memkit.js');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'heap', 'three-snapshots.js');
const STEPS = 500;

interface CliResult { code: number; stdout: string; stderr: string }
async function cli(args: string[]): Promise<CliResult> {
  try {
    const r = await run(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 << 20 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const dir = mkdtempSync(join(tmpdir(), 'memkit-mem-snapshot-'));
const leak = (n: number) => join(dir, 'leak', `s${n}.heapsnapshot`);
const clean = (n: number) => join(dir, 'clean', `s${n}.heapsnapshot`);
let captures: Array<{ bytes: number; durationMs: number }> = [];

beforeAll(async () => {
  const make = async (mode: string) => {
    mkdirSync(join(dir, mode));
    const r = await run(process.execPath, ['--expose-gc', FIXTURE, join(dir, mode), mode, String(STEPS)]);
    return JSON.parse(r.stdout) as { captures: typeof captures };
  };
  const [l] = await Promise.all([make('leak'), make('clean')]);
  captures = l.captures;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An independent reference: the whole file through JSON.parse, counted the naive way. */
function naiveClassCounts(file: string): Map<string, { count: number; self: number }> {
  const snap = JSON.parse(readFileSync(file, 'utf8'));
  const fields: string[] = snap.snapshot.meta.node_fields;
  const types: string[] = snap.snapshot.meta.node_types[0];
  const [t, nm, sz] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const out = new Map<string, { count: number; self: number }>();
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    if (types[snap.nodes[i + t]] !== 'object') continue;
    const name: string = snap.strings[snap.nodes[i + nm]];
    const self: number = snap.nodes[i + sz];
    if (self === 0) continue;
    const e = out.get(name) ?? { count: 0, self: 0 };
    e.count++;
    e.self += self;
    out.set(name, e);
  }
  return out;
}

describe('capture', () => {
  it('streams each snapshot to disk and reports its real size', () => {
    expect(captures).toHaveLength(3);
    captures.forEach((c, i) => {
      expect(c.bytes).toBe(statSync(leak(i + 1)).size);
      expect(c.durationMs).toBeGreaterThan(0);
    });
  });
});

describe('capture without --expose-gc', () => {
  it('still forces a GC first and writes a readable snapshot', async () => {
    const out = join(dir, 'no-expose-gc.heapsnapshot');
    const writer = new URL('../dist/src/agent/heap-snapshot-writer.js', import.meta.url).href;
    const code = `const { takeHeapSnapshot } = await import(${JSON.stringify(writer)});
      globalThis.kept = Array.from({ length: 123 }, () => new (class Kept {})());
      const r = await takeHeapSnapshot(${JSON.stringify(out)});
      process.stdout.write(JSON.stringify({ r, gc: typeof globalThis.gc }));`;
    const r = await run(process.execPath, ['--input-type=module', '-e', code]);
    const { r: result, gc } = JSON.parse(r.stdout);
    expect(gc).toBe('undefined'); // the fallback did not leak gc() into the program's globals
    expect(result.bytes).toBe(statSync(out).size);
    const s = JSON.parse((await cli(['mem-snapshot', 'summarize', out, '--json', '--no-progress'])).stdout);
    expect(s.metrics['heap.class.Kept.count'].value).toBe(123);
  });
});

describe('mem-snapshot summarize', () => {
  it('counts exactly the 1000 LeakyThing objects, with the self sizes a naive reading finds', async () => {
    const r = await cli(['mem-snapshot', 'summarize', leak(3), '--json', '--no-progress']);
    expect(r.code).toBe(0);
    const b = JSON.parse(r.stdout);
    expect(b.schema).toBe('memkit.baseline/1');
    expect(b.kind).toBe('heap-summary');
    expect(b.metrics['heap.class.LeakyThing.count'].value).toBe(2 * STEPS);
    const naive = naiveClassCounts(leak(3));
    for (const name of ['LeakyThing', 'Scratch', 'Map', 'Array', 'Object']) {
      const row = b.extra.heapSummary.classes.find((c: { className: string }) => c.className === name);
      if (!naive.has(name)) continue;
      expect(row, name).toBeDefined();
      expect(row.count, name).toBe(naive.get(name)!.count);
      expect(row.selfBytes, name).toBe(naive.get(name)!.self);
    }
    // Each LeakyThing holds its own payload array and label: it retains more than its self size.
    const lt = b.extra.heapSummary.classes.find((c: { className: string }) => c.className === 'LeakyThing');
    expect(lt.retainedBytes).toBeGreaterThan(lt.selfBytes);
    expect(b.metrics['heap.snapshot.nodes.count'].value).toBeGreaterThan(10_000);
  });

  it('writes a baseline file that memkit reads back, and prints tables', async () => {
    const out = join(dir, 'out', 'summary.json');
    const r = await cli(['mem-snapshot', 'summarize', leak(2), '--out', out, '--top', '3', '--no-progress']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Classes by retained size/);
    expect(r.stdout).toMatch(/Top 3 objects by retained size/);
    const { readBaseline } = await import('../src/baseline/io.js');
    expect(readBaseline(out).metrics['heap.class.LeakyThing.count']!.value).toBe(STEPS);
  });
});

describe('mem-snapshot compare', () => {
  it('shows the 1000 new LeakyThing objects and nothing deleted', async () => {
    const r = await cli(['mem-snapshot', 'compare', leak(1), leak(3), '--json', '--no-progress']);
    expect(r.code).toBe(0);
    const c = JSON.parse(r.stdout);
    const row = c.rows.find((x: { className: string }) => x.className === 'LeakyThing');
    const self = naiveClassCounts(leak(3)).get('LeakyThing')!.self;
    expect(row).toEqual({ className: 'LeakyThing', newCount: 1000, deletedCount: 0, deltaCount: 1000, allocBytes: self, freedBytes: 0, deltaBytes: self });
    expect(c.rows.find((x: { className: string }) => x.className === 'Scratch')).toBeUndefined(); // temporaries are gone
  });
});

describe('mem-snapshot leaks', () => {
  it('names the leaking constructor and its path, and fails the build past --fail-on-leak', async () => {
    const r = await cli(['mem-snapshot', 'leaks', leak(1), leak(2), leak(3), '--fail-on-leak', '10KB', '--no-progress']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/#1 .* · 500 × LeakyThing/);
    expect(r.stdout).toMatch(/\.__fixture → Object @\d+\n\s+\.retained → Array @\d+\n\s+\[\d+\] → LeakyThing @\d+/);
    expect(r.stdout).toMatch(/FAIL: leaked .* > --fail-on-leak 10\.00 KB/);
    const j = JSON.parse((await cli(['mem-snapshot', 'leaks', leak(1), leak(2), leak(3), '--json', '--no-progress'])).stdout);
    expect(j.byClass[0].className).toBe('LeakyThing');
    expect(j.byClass[0].count).toBe(STEPS);
    expect(j.byClass[0].newerCount).toBe(STEPS);
    expect(j.byPath[0].growing).toBe(true);
  });

  it('names nothing for a clean workload (bounded cache, temporaries)', async () => {
    const r = await cli(['mem-snapshot', 'leaks', clean(1), clean(2), clean(3), '--growing-only', '--fail-on-leak', '1KB', '--no-progress']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/no leaks found/);
    expect(r.stdout).not.toMatch(/Scratch|LeakyThing/);
  });
});

describe('mem-snapshot path', () => {
  it('prints the retainer paths of the largest LeakyThing, and of an object by id', async () => {
    const r = await cli(['mem-snapshot', 'path', leak(3), '--name', 'LeakyThing', '--no-progress']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^LeakyThing @(\d+) · self \d+ B · retained \d+ B/);
    expect(r.stdout).toMatch(/retainer path 1 of \d+ \(shortest\), 4 steps:/);
    const id = /^LeakyThing @(\d+)/.exec(r.stdout)![1]!;
    const byId = await cli(['mem-snapshot', 'path', leak(3), '--id', id, '--no-progress']);
    expect(byId.stdout).toBe(r.stdout);
  });
});

/** A C++ class name from a Chrome snapshot: 146 characters, wider than a terminal's table. */
const CHROME_NAME =
  'blink::HeapVectorBacking<cppgc::internal::BasicMember<blink::Node, cppgc::internal::StrongMemberTag, cppgc::internal::DijkstraWriteBarrierPolicy>>';

describe('mem-snapshot summarize with a very long constructor name', () => {
  let file = '';
  beforeAll(async () => {
    // Node names a class after its binding, so the snapshot is written with a placeholder
    // name and the placeholder is then replaced in the file's string table.
    const placeholder = 'LongNamedThing' + 'X'.repeat(40);
    file = join(dir, 'long-name.heapsnapshot');
    const code = `const C = new Function('return class ${placeholder} { constructor() { this.payload = new Array(20000).fill(1.5); } }')();
      globalThis.kept = Array.from({ length: 50 }, () => new C());
      require('v8').writeHeapSnapshot(${JSON.stringify(file)});`;
    await run(process.execPath, ['-e', code]);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain(`"${placeholder}"`);
    writeFileSync(file, text.split(`"${placeholder}"`).join(JSON.stringify(CHROME_NAME)));
  });

  it('keeps the full name in --json and when stdout is not a terminal', async () => {
    const j = await cli(['mem-snapshot', 'summarize', file, '--json', '--no-progress']);
    expect(j.code).toBe(0);
    const row = JSON.parse(j.stdout).extra.heapSummary.classes.find((c: { className: string }) => c.className === CHROME_NAME);
    expect(row.count).toBe(50);
    const piped = await cli(['mem-snapshot', 'summarize', file, '--classes', '10', '--no-progress']);
    expect(piped.code).toBe(0);
    expect(piped.stdout).toContain(`│ ${CHROME_NAME} │`);
  });

  // `script` gives the command a terminal of a known width (util-linux; absent on some systems).
  const hasScript = spawnSync('script', ['--version']).status === 0;
  it.skipIf(!hasScript)('on a 100-column terminal, cuts the name in the middle so every line fits', () => {
    const cmd = `stty cols 100; NO_COLOR=1 ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} mem-snapshot summarize ${JSON.stringify(file)} --classes 10 --no-progress`;
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(r.status).toBe(0);
    const lines = r.stdout.replace(/\r/g, '').split('\n');
    expect(lines.some((l) => l.includes('Classes by retained size'))).toBe(true);
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(100);
    const row = lines.find((l) => l.startsWith('│ blink::HeapVector'));
    expect(row, 'the long name row').toBeDefined();
    // Both ends are kept, the middle is cut: "blink::HeapVectorBackin…raWriteBarrierPolicy>>".
    expect(row).toMatch(/^│ blink::HeapVector[^│]*…[^│]*BarrierPolicy>> *│ +50 │/);
    expect(row).not.toContain(CHROME_NAME);
  });
});

describe('mem-snapshot bad input', () => {
  const cases: Array<[string, () => string[], RegExp]> = [
    ['a truncated snapshot', () => [write('cut.heapsnapshot', readFileSync(leak(1)).subarray(0, 2_000_000))], /truncated heap snapshot: the file ends at byte 2000000 inside "(nodes|edges)"/],
    ['garbage', () => [write('garbage.heapsnapshot', Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]))], /not a heap snapshot \(expected a JSON object, found byte 0x89 at byte 0\)/],
    ['a JSON file that is not a snapshot', () => [write('baseline.json', '{"schema":"memkit.baseline/1"}')], /not a heap snapshot \(a JSON object without a "snapshot" section/],
    ['a missing file', () => [join(dir, 'nope.heapsnapshot')], /nope\.heapsnapshot: no such file or directory/],
    ['a directory', () => [dir], /is a directory, expected a \.heapsnapshot file/],
  ];
  const write = (name: string, data: string | Buffer) => {
    const f = join(dir, name);
    writeFileSync(f, data);
    return f;
  };
  it.each(cases)('%s → exit 2, one line, no stack', async (_what, files, message) => {
    const r = await cli(['mem-snapshot', 'summarize', ...files(), '--no-progress']);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^memkit: error: /);
    expect(lines[0]).toMatch(message);
  });

  it('bad options → exit 2', async () => {
    for (const args of [
      ['leaks', leak(1), leak(2), leak(3), '--fail-on-leak', 'lots'],
      ['path', leak(1)],
      ['summarize', leak(1), '--dominators', 'chrome'],
      ['frobnicate'],
      [],
    ]) {
      const r = await cli(['mem-snapshot', ...args, '--no-progress']);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^memkit: error: /);
    }
  });
});
