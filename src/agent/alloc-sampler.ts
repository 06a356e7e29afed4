import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { fileURLToPath } from 'node:url';
import type * as Inspector from 'node:inspector';
import type { Session } from 'node:inspector';
import { addSamplerNode, encodeSamplerRead, encodeV8Profile, type AllocProfileRecord, type OwnCode, type SamplerTables, type V8ProfileNode, type V8SamplingProfile } from '../samples/alloc-profile.js';
import type { AllocSitesConfig } from '../samples/protocol.js';
import { nowMs } from './clock.js';
import { loadGcHooks, type GcHooksAddon } from './gc-hooks-addon.js';

/**
 * --alloc-sites in the measured isolate: V8's sampling heap profiler. Every allocation of
 * about `intervalBytes` is sampled with its stack.
 *
 * Two samplers, the better first:
 *  - memkit's gc-hooks addon keeps V8's sampler in its live-samples mode and harvests the
 *    samples at every GC's prologue, before the GC can drop the dead ones: both views,
 *    allocated (everything sampled) and in use (what is alive at a read), in one run;
 *  - without the addon, an in-process node:inspector session keeps every sample
 *    (`includeObjectsCollectedBy…`): the allocated view only. The in-use view is then
 *    reported as not measured.
 * Both answer synchronously, so a read works in an 'exit' handler.
 *
 * The agent's own allocations stay out: a node whose function is memkit's own code keeps
 * its children (a scenario's step runs under memkit's step loop) but not its own bytes.
 * Reading allocates (the profile object, its encoding), so without this the agent would
 * show up in every later read.
 *
 * node:inspector is loaded only by the fallback, and only by runs that ask for sites.
 */
export interface AllocSampler {
  /** The allocated view since the previous read, and with `inuse` what is alive now (when this sampler sees it). */
  read(why: AllocProfileRecord['why'], steps: number, inuse: boolean): AllocProfileRecord[];
}

/**
 * The agent's own code: dist/src/agent/ (the agent, the step loop, this file; or its
 * bundle) and the encoder in dist/src/samples/, as V8 names scripts: a file:// URL for an
 * ES module, a path for CommonJS.
 */
const OWN_CODE: OwnCode = {
  prefixes: [new URL('.', import.meta.url), new URL('../samples/', import.meta.url)].flatMap((u) => [u.href, fileURLToPath(u)]),
  // The step loop runs the scenario's step: what V8 inlines into it is the scenario's.
  except: [new URL('./step-loop.js', import.meta.url)].flatMap((u) => [u.href, fileURLToPath(u)]),
};

/** Frames kept per sample (V8 cuts deeper stacks at the root end); node --heap-prof's default. */
const STACK_DEPTH = 128;

export function startAllocSampler(config: AllocSitesConfig): AllocSampler | { error: string } {
  // Inlining is decided when a function is optimised, which comes later than this.
  if (config.noInline) setFlagsFromString('--max-inlined-bytecode-size=0');
  const addon = loadGcHooks();
  if (addon?.allocStart && addon.allocRead) {
    if (!addon.allocStart(config.intervalBytes, STACK_DEPTH)) {
      return { error: "V8's sampling heap profiler is already running in this isolate (the program's own, or an inspector's)" };
    }
    return nativeSampler(addon.allocRead.bind(addon), config);
  }
  return inspectorSampler(config);
}

function nativeSampler(allocRead: NonNullable<GcHooksAddon['allocRead']>, config: AllocSitesConfig): AllocSampler {
  const tables: SamplerTables = { strings: [], frames: { name: [], url: [], line: [], col: [], script: [] }, parent: [-1], frame: [-1], own: [false] };
  let seq = 0;
  return {
    read(why, steps, inuse) {
      const r = allocRead(inuse);
      if (!r) return [];
      for (const s of r.strings) tables.strings.push(s);
      for (let i = 0; i + 4 < r.frames.length; i += 5) {
        tables.frames.name.push(r.frames[i]!);
        tables.frames.url.push(r.frames[i + 1]!);
        tables.frames.line.push(r.frames[i + 2]!);
        tables.frames.col.push(r.frames[i + 3]!);
        tables.frames.script.push(r.frames[i + 4]!);
      }
      for (let i = 0; i + 1 < r.nodes.length; i += 2) addSamplerNode(tables, r.nodes[i]!, r.nodes[i + 1]!, OWN_CODE);
      const meta = { tMs: nowMs(), why, steps, source: 'gc-hooks' as const, intervalBytes: config.intervalBytes, harvestMs: r.harvestMs, harvests: r.harvests };
      const out = [encodeSamplerRead(tables, r.allocated, { ...meta, seq: seq++, view: 'allocated' })];
      if (r.inuse) out.push(encodeSamplerRead(tables, r.inuse, { ...meta, seq: seq++, view: 'inuse' }));
      return out;
    },
  };
}

function inspectorSampler(config: AllocSitesConfig): AllocSampler | { error: string } {
  let session: Session;
  try {
    const { Session: InspectorSession } = createRequire(import.meta.url)('node:inspector') as typeof Inspector;
    session = new InspectorSession();
    session.connect();
  } catch (err) {
    return { error: `node:inspector is not available here: ${err instanceof Error ? err.message : String(err)}` };
  }
  const params = { samplingInterval: config.intervalBytes, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true };
  const started = post(session, 'HeapProfiler.startSampling', params);
  if (started.error) return { error: `HeapProfiler.startSampling failed: ${started.error}` };
  let seq = 0;
  // V8 names a frame's script when the profile is read, from the scripts still in the heap:
  // a function whose script was collected since (a main module's own functions once it
  // has run) comes back without url. Script ids are stable in an isolate, so a url seen in
  // an earlier read names it again (its line is not known then).
  const urlOfScript = new Map<string, string>();
  return {
    read(why, steps) {
      // Each read takes the profile since the last one and starts afresh: with collected
      // objects kept, a profile grows by one sample per interval for good, and so would
      // every read's cost (~100 ms and 2 MB after 10 s of a program allocating 2 GB/s).
      const r = post(session, 'HeapProfiler.stopSampling', {});
      post(session, 'HeapProfiler.startSampling', params);
      const profile = (r.result as { profile?: V8SamplingProfile } | undefined)?.profile;
      if (!profile) return [];
      restoreUrls(profile.head, urlOfScript);
      return [encodeV8Profile(profile, { tMs: nowMs(), seq: seq++, why, steps, source: 'inspector', view: 'allocated', intervalBytes: config.intervalBytes }, OWN_CODE)];
    },
  };
}

function restoreUrls(head: V8ProfileNode, urlOfScript: Map<string, string>): void {
  const pending = [head];
  while (pending.length > 0) {
    const node = pending.pop()!;
    const frame = node.callFrame;
    const script = String(frame.scriptId ?? '0');
    if (frame.url !== '') urlOfScript.set(script, frame.url);
    else if (script !== '0') {
      const url = urlOfScript.get(script);
      if (url !== undefined) node.callFrame = { ...frame, url };
    }
    for (const c of node.children) pending.push(c);
  }
}

/** An in-process session answers inside `post`; the callback has run when it returns. */
function post(session: Session, method: string, params: object): { result?: unknown; error?: string } {
  let out: { result?: unknown; error?: string } = { error: 'no answer' };
  session.post(method, params, (err: Error | null, result?: unknown) => {
    out = err ? { error: err.message } : { result };
  });
  return out;
}

/**
 * The sampler's reads over a run: every `everyMs` (unref'd: a program's exit is its own)
 * so that a crash leaves the last profile, at each of memkit's forced-GC checkpoints
 * (mem-stress: the in-use view right after that GC is what is really alive, the leak
 * sites' evidence), and once at the end of the window. Undefined when the sampler could
 * not start: the parent then says the run has no profile.
 */
export interface AllocReporter {
  /** Right after memkit's forced GC. */
  checkpoint(steps: number): void;
  finish(sendNow: (r: AllocProfileRecord) => void, steps: number): void;
}

export function startAllocReporter(config: AllocSitesConfig, send: (r: AllocProfileRecord) => void, stepsNow: () => number): AllocReporter | undefined {
  const sampler = startAllocSampler(config);
  if ('error' in sampler) return undefined;
  const timer = setInterval(() => {
    for (const r of sampler.read('periodic', stepsNow(), true)) send(r);
  }, config.everyMs);
  timer.unref();
  let finished = false;
  return {
    checkpoint(steps) {
      if (finished) return;
      for (const r of sampler.read('checkpoint', steps, true)) send(r);
    },
    finish(sendNow, steps) {
      if (finished) return;
      finished = true;
      clearInterval(timer);
      for (const r of sampler.read('end', steps, true)) sendNow(r);
    },
  };
}
