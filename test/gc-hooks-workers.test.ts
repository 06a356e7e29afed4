import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { isolateAddress, type GcHooksAddon } from '../src/agent/gc-hooks-addon.js';
import { FIXTURES, ROOT } from './helpers/cli.js';

/**
 * The gc-hooks addon in a process with worker threads, against V8's own --trace-gc lines:
 * each isolate (the main thread's, each worker's) records its own GCs and no other's, and
 * names itself with the address V8 prints in each line's `[pid:0x…]` prefix.
 */
const ADDON = join(ROOT, 'native', 'gc-hooks', 'build', 'Release', 'memkit_gc_hooks.node');
const FIXTURE = join(FIXTURES, 'tree', 'gc-hooks-workers.cjs');

/** One collection as both sides can state it: kind and heap used, as V8 prints it. */
interface Gc { kind: 'minor' | 'major'; before: string; after: string }
interface IsolateReport { thread: number; pid: number; isolate: string; committed: number; gcs: [number, number, number][] }

// Unanchored and global: every isolate writes to the same pipe, so a line is not
// guaranteed to start at a line start (V8's own OOM block glues its lines together).
// `Mark-Compact (reduce)` is how V8 names a memory-reducing full GC.
const TRACE = /\[(\d+):(0x[0-9a-f]+)\]\s+[\d.]+ ms: (Scavenge|Minor Mark-Compact|Mark-Compact)(?: \([a-z ]+\))? ([\d.]+) \([\d.]+\) -> ([\d.]+) \(/g;
const REPORT = /GCHOOKS (\{[^\n]*\})\n/g;
// V8's GCType bits; incremental-marking steps (8) and weak-callback passes (16) get no
// line of their own.
const KIND_OF_TYPE: Record<number, Gc['kind'] | undefined> = { 1: 'minor', 2: 'minor', 4: 'major' };

/** Bytes as V8's `%.1f` of bytes / MB prints them (an exact tie rounds to even, as printf does). */
function megabytes1(bytes: number): string {
  const MB = 1024 * 1024;
  let tenths = Math.floor((bytes * 10) / MB);
  const rest = bytes * 10 - tenths * MB;
  if (2 * rest > MB || (2 * rest === MB && tenths % 2 === 1)) tenths++;
  return `${Math.floor(tenths / 10)}.${tenths % 10}`;
}

function run(): { trace: Map<string, Gc[]>; reports: IsolateReport[] } {
  const out = execFileSync(process.execPath, ['--trace-gc', '--expose-gc', FIXTURE, ADDON], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  const trace = new Map<string, Gc[]>();
  for (const [, pid, isolate, name, before, after] of out.matchAll(TRACE)) {
    const key = `${pid}:${isolate}`;
    trace.set(key, [...(trace.get(key) ?? []), { kind: name === 'Mark-Compact' ? 'major' : 'minor', before: before!, after: after! }]);
  }
  const reports = [...out.matchAll(REPORT)].map(([, json]) => JSON.parse(json!) as IsolateReport);
  return { trace, reports };
}

/** The GCs an isolate's ring recorded, in the trace's terms (records without a line left out). */
function ringGcs(report: IsolateReport): Gc[] {
  const gcs: Gc[] = [];
  for (const [type, before, after] of report.gcs) {
    const kind = KIND_OF_TYPE[type];
    if (kind) gcs.push({ kind, before: megabytes1(before), after: megabytes1(after) });
  }
  return gcs;
}

const count = (gcs: Gc[], kind: Gc['kind']) => gcs.filter((g) => g.kind === kind).length;

describe('gc-hooks addon in worker threads (node --trace-gc, main thread + 2 workers)', () => {
  let trace: Map<string, Gc[]>;
  let reports: IsolateReport[];
  let main: IsolateReport;
  let workers: IsolateReport[];
  beforeAll(() => {
    ({ trace, reports } = run());
    main = reports.find((r) => r.thread === 0)!;
    workers = reports.filter((r) => r.thread !== 0);
  });
  const key = (r: IsolateReport) => `${r.pid}:${r.isolate}`;

  it("names each isolate with its trace lines' [pid:0x…] prefix", () => {
    expect(reports.map((r) => r.thread).sort()).toEqual([0, 1, 2]);
    for (const r of reports) {
      expect(r.isolate).toMatch(/^0x[0-9a-f]+$/);
      expect(trace.has(key(r)), `${key(r)} among ${[...trace.keys()]}`).toBe(true);
    }
    // Three isolates, three prefixes: every trace line belongs to one of them.
    expect(new Set(reports.map(key)).size).toBe(3);
    expect([...trace.keys()].sort()).toEqual(reports.map(key).sort());
  });

  it('kept every record in the ring (none overwritten)', () => {
    for (const r of reports) expect(r.gcs.length, `thread ${r.thread}`).toBe(r.committed);
  });

  it("records every GC of the main thread's isolate, minor and major, in V8's order", () => {
    const lines = trace.get(key(main))!;
    const ring = ringGcs(main);
    expect(count(lines, 'major')).toBeGreaterThan(0);
    expect(count(ring, 'minor')).toBe(count(lines, 'minor'));
    expect(count(ring, 'major')).toBe(count(lines, 'major'));
    expect(ring).toEqual(lines);
  });

  it("records each worker's GCs from its first on, and only its own", () => {
    const unseen: number[] = [];
    for (const w of workers) {
      const lines = trace.get(key(w))!;
      const ring = ringGcs(w);
      // Node's worker bootstrap collects before the worker's first statement can install
      // the hooks: those lines, and only those, are missing, all of them at the start.
      // The rest, joined by heap size, is the ring record by record: a GC of another
      // isolate in this ring (or one of this isolate's missing) would break the join.
      const missing = lines.length - ring.length;
      expect(missing, `thread ${w.thread}: ${ring.length} recorded, ${lines.length} lines`).toBeGreaterThanOrEqual(0);
      expect(ring, `thread ${w.thread}`).toEqual(lines.slice(missing));
      expect(count(ring, 'major'), `thread ${w.thread}`).toBeGreaterThan(0);
      unseen.push(missing);
    }
    // Every GC any ring recorded is accounted for by exactly one line of its own isolate.
    const recorded = reports.reduce((n, r) => n + ringGcs(r).length, 0);
    const lines = [...trace.values()].reduce((n, l) => n + l.length, 0);
    expect(recorded + unseen.reduce((a, b) => a + b, 0)).toBe(lines);
    console.info(`gc-hooks-workers: GCs of each worker's bootstrap before its first statement: ${unseen.join(', ')}`);
  });
});

describe('gc-hooks addon loaded twice in one thread', () => {
  it('records with the second copy, and the process ends normally', () => {
    const out = execFileSync(process.execPath, ['--expose-gc', join(FIXTURES, 'tree', 'gc-hooks-load-twice.cjs'), ADDON], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ same: true, recorded: 1 });
  });
});

describe('isolateAddress()', () => {
  it("reads the addon's address, and is undefined from an addon built before it existed", () => {
    const addon = createRequire(import.meta.url)(ADDON) as GcHooksAddon;
    expect(isolateAddress(addon)).toMatch(/^0x[0-9a-f]+$/);
    const older: GcHooksAddon = { install: addon.install, uninstall: addon.uninstall };
    expect(isolateAddress(older)).toBeUndefined();
  });
});
