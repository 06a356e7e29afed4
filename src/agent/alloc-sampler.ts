import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type * as Inspector from 'node:inspector';
import type { Session } from 'node:inspector';
import { encodeV8Profile, type AllocProfileRecord, type V8ProfileNode, type V8SamplingProfile } from '../samples/alloc-profile.js';
import type { AllocSitesConfig } from '../samples/protocol.js';
import { nowMs } from './clock.js';

/**
 * --alloc-sites in the measured isolate: V8's sampling heap profiler through an in-process
 * node:inspector session (it works in worker threads too, each in its own isolate). Every
 * allocation of about `intervalBytes` is sampled with its stack, and samples of objects
 * the GC collected are kept (`includeObjectsCollectedBy…`): the "allocated" view, what
 * drives GC. `read` returns the profile since the previous read (the parent adds them
 * up), synchronously (an in-process session answers within `post`), so it works in an
 * 'exit' handler.
 *
 * The agent's own allocations stay out: a node whose function is memkit's own code keeps
 * its children (a scenario's step runs under memkit's step loop) but not its own bytes.
 * Reading allocates (the profile object, its encoding), so without this the agent would
 * show up in every later read.
 *
 * node:inspector is loaded only here, and only by runs that ask for sites.
 */
export interface AllocSampler {
  read(why: AllocProfileRecord['why'], steps: number): AllocProfileRecord | undefined;
}

/**
 * The agent's own code: dist/src/agent/ (the agent, the step loop, this file; or its
 * bundle) and the encoder in dist/src/samples/, as V8 names scripts: a file:// URL for an
 * ES module, a path for CommonJS.
 */
const OWN_CODE = [new URL('.', import.meta.url), new URL('../samples/', import.meta.url)].flatMap((u) => [u.href, fileURLToPath(u)]);

export function startAllocSampler(config: AllocSitesConfig): AllocSampler | { error: string } {
  let session: Session;
  try {
    const { Session: InspectorSession } = createRequire(import.meta.url)('node:inspector') as typeof Inspector;
    session = new InspectorSession();
    session.connect();
  } catch (err) {
    return { error: `node:inspector is not available here: ${err instanceof Error ? err.message : String(err)}` };
  }
  const started = post(session, 'HeapProfiler.startSampling', {
    samplingInterval: config.intervalBytes,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  if (started.error) return { error: `HeapProfiler.startSampling failed: ${started.error}` };
  let seq = 0;
  // V8 names a frame's script when the profile is read, from the scripts still in the heap:
  // a function whose script was collected since (a main module's own functions once it
  // has run) comes back without url. Script ids are stable in an isolate, so a url seen in
  // an earlier read names it again (its line is not known then).
  const urlOfScript = new Map<string, string>();
  const params = { samplingInterval: config.intervalBytes, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true };
  return {
    read(why, steps) {
      // Each read takes the profile since the last one and starts afresh: with collected
      // objects kept, a profile grows by one sample per interval for good, and so would
      // every read's cost (~100 ms and 2 MB after 10 s of a program allocating 2 GB/s).
      const r = post(session, 'HeapProfiler.stopSampling', {});
      post(session, 'HeapProfiler.startSampling', params);
      const profile = (r.result as { profile?: V8SamplingProfile } | undefined)?.profile;
      if (!profile) return undefined;
      restoreUrls(profile.head, urlOfScript);
      return encodeV8Profile(profile, { tMs: nowMs(), seq: seq++, why, steps, source: 'inspector', view: 'allocated', intervalBytes: config.intervalBytes }, OWN_CODE);
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
 * so that a crash leaves the last profile, and once at the end of the window. Undefined
 * when the sampler could not start: the parent then says the run has no profile.
 */
export function startAllocReporter(
  config: AllocSitesConfig,
  send: (r: AllocProfileRecord) => void,
  stepsNow: () => number,
): { finish(sendNow: (r: AllocProfileRecord) => void, steps: number): void } | undefined {
  const sampler = startAllocSampler(config);
  if ('error' in sampler) return undefined;
  const timer = setInterval(() => {
    const r = sampler.read('periodic', stepsNow());
    if (r) send(r);
  }, config.everyMs);
  timer.unref();
  let finished = false;
  return {
    finish(sendNow, steps) {
      if (finished) return;
      finished = true;
      clearInterval(timer);
      const r = sampler.read('end', steps);
      if (r) sendNow(r);
    },
  };
}
