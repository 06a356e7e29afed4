import { gzipSync } from 'node:zlib';
import { siteLabel } from '../../analyze/alloc-frames.js';
import type { AllocTree, AllocView } from '../../analyze/alloc-tree.js';
import type { AllocSource } from '../../samples/alloc-profile.js';

/**
 * An allocation tree as a gzipped pprof profile, laid out as Go's heap profiles are so that
 * `go tool pprof`, Pyroscope and speedscope read it as one: sample types
 * [alloc_objects, alloc_space, inuse_objects, inuse_space], locations leaf first, one
 * mapping that says "already symbolized". Values are V8's scaled estimates rounded to
 * integers (pprof stores int64); a view that was not measured stays 0 and the profile's
 * comment says so. Bytes out, nothing written: the caller writes them atomically.
 *
 * pprof-format (Datadog's encoder, no dependencies) is loaded only when a profile is
 * written, so no other command pays for it.
 */

export const PPROF_SAMPLE_TYPES = ['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space'] as const;

export interface PprofMeta {
  /** The profiler behind the values (the profile's comment and period say it). */
  source?: AllocSource;
  startMs: number;
  durationMs: number;
  /** What pprof shows first: alloc_space for gc-profile, inuse_space for mem-stress. */
  defaultView: AllocView;
  comments?: string[];
}

export async function encodeAllocPprof(t: AllocTree, meta: PprofMeta): Promise<Uint8Array> {
  const { Function: PFunction, Line, Location, Mapping, Profile, Sample, StringTable, ValueType } = await import('pprof-format');
  const strings = new StringTable();
  const valueType = (type: string, unit: string) => new ValueType({ type: strings.dedup(type), unit: strings.dedup(unit) });
  const functions: InstanceType<typeof PFunction>[] = [];
  const locations: InstanceType<typeof Location>[] = [];
  const locationOfFrame = new Map<number, number>();
  const locationOf = (f: number): number => {
    const known = locationOfFrame.get(f);
    if (known !== undefined) return known;
    const id = locations.length + 1;
    const frame = t.frames[f]!;
    const name = frame.name === '' ? '(anonymous)' : frame.name;
    functions.push(new PFunction({ id, name: strings.dedup(name), systemName: strings.dedup(siteLabel(frame)), filename: strings.dedup(frame.file), startLine: frame.line }));
    locations.push(new Location({ id, mappingId: 1, line: [new Line({ functionId: id, line: frame.line, column: frame.col })] }));
    locationOfFrame.set(f, id);
    return id;
  };
  const samples: InstanceType<typeof Sample>[] = [];
  for (let node = 1; node < t.parent.length; node++) {
    const value = [t.allocObjects[node]!, t.allocBytes[node]!, t.inuseObjects[node]!, t.inuseBytes[node]!].map(Math.round);
    if (value.every((v) => v === 0)) continue;
    const locationId: number[] = [];
    for (let m = node; m > 0; m = t.parent[m]!) locationId.push(locationOf(t.frame[m]!));
    samples.push(new Sample({ locationId, value }));
  }
  const notMeasured = (['allocated', 'inuse'] as const).filter((v) => !t.views.includes(v));
  const comments = [
    meta.source === 'tracemalloc'
      ? "memkit: Python's tracemalloc, every live block traced (not sampled); inuse_* values are exact, at the def enclosing each frame's line"
      : `memkit: V8 sampling heap profiler, one sample per ${t.intervalBytes} bytes on average; values are V8's scaled estimates`,
    ...notMeasured.map((v) => `memkit: the ${v === 'allocated' ? 'alloc_*' : 'inuse_*'} values were not measured in this run (zeros)`),
    ...(meta.comments ?? []),
  ];
  const profile = new Profile({
    sampleType: PPROF_SAMPLE_TYPES.map((type) => valueType(type, type.endsWith('objects') ? 'count' : 'bytes')),
    sample: samples,
    mapping: [new Mapping({ id: 1, hasFunctions: true, hasFilenames: true, hasLineNumbers: true })],
    location: locations,
    function: functions,
    stringTable: strings,
    timeNanos: BigInt(Math.round(meta.startMs)) * 1_000_000n,
    durationNanos: Math.round(meta.durationMs * 1e6),
    periodType: valueType('space', 'bytes'),
    period: t.intervalBytes,
    comment: comments.map((c) => strings.dedup(c)),
    defaultSampleType: strings.dedup(meta.defaultView === 'allocated' ? 'alloc_space' : 'inuse_space'),
  });
  return gzipSync(profile.encode());
}
