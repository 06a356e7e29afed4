import { performance } from 'node:perf_hooks';
import { Pool, type Dispatcher } from 'undici';
import type { LatencyBatch, ProgressMessage } from '../samples/protocol.js';
import { classifyRequestError, ERROR_KINDS, isErrorStatus, type ErrorKind } from './error-kind.js';
import { LatencyBuckets } from './latency-buckets.js';
import type { LoadRequest } from './requests.js';
import { dueCount, intendedSendMs } from './schedule.js';

/**
 * The built-in HTTP load of `mem-stress --http`: open loop on undici pools. Requests leave
 * on a fixed schedule (schedule.ts) whatever the program's answers do; each is timed from
 * its intended send time to the end of its response body. A pool per origin, up to
 * `connections` sockets each, opened only as concurrency needs them (undici's Pool); when
 * all are busy a request waits in the pool's queue, and that wait counts in its latency.
 *
 * Every `intervalMs` it emits a `latency` batch (the agent's log buckets) and a `progress`
 * record (steps = responses, any status; counters http.requests.sent, http.responses,
 * http.errors.<kind>), which the parent records untagged, beside the program's agents.
 */

export interface HttpLoadSettings {
  requests: LoadRequest[];
  ratePerSec: number;
  /** Sockets per origin at most. */
  connections: number;
  /** No response headers this long after a request went out on its socket, or a body stalled this long: a timeout. */
  timeoutMs: number;
  /** Send this many requests, then finish (mem-stress --signals); else until stopped. */
  maxRequests?: number;
  intervalMs: number;
}

export type LoadRecord = LatencyBatch | ProgressMessage;

export interface LoadCounts {
  sent: number;
  responses: number;
  errors: Record<ErrorKind, number>;
}

export interface HttpLoad {
  /** Resolves once `maxRequests` were sent and all of them ended (never without maxRequests). */
  readonly allEnded: Promise<void>;
  /** Stop sending; wait for the requests in flight (each ends by its timeout); emit the last records. */
  stop(): Promise<void>;
  /** The program is gone: drop what is in flight, emit nothing more. */
  abort(): Promise<void>;
  counts(): LoadCounts;
}

export function startHttpLoad(s: HttpLoadSettings, emit: (r: LoadRecord) => void): HttpLoad {
  const pools = new Map<string, Pool>();
  const poolOf = (origin: string): Pool => {
    let p = pools.get(origin);
    // undici's own timers (one coarse timer wheel) rather than an AbortSignal.timeout() per
    // request, which cost a fifth of the generator's ceiling: no answer within timeoutMs of the
    // request going out on its socket, or a body that stalls that long, is a timeout.
    if (!p) pools.set(origin, (p = new Pool(origin, { connections: s.connections, headersTimeout: s.timeoutMs, bodyTimeout: s.timeoutMs })));
    return p;
  };
  const latencies = new LatencyBuckets();
  const counts: LoadCounts = { sent: 0, responses: 0, errors: Object.fromEntries(ERROR_KINDS.map((k) => [k, 0])) as Record<ErrorKind, number> };
  const max = s.maxRequests ?? Infinity;
  let ended = 0;
  let inFlight = 0;
  let sending = true;
  let silent = false;
  let drained: (() => void) | undefined;
  let allEnded!: () => void;
  const allEndedP = new Promise<void>((resolve) => (allEnded = resolve));

  const progress = (): ProgressMessage => {
    const counters: Record<string, number> = { 'http.requests.sent': counts.sent, 'http.responses': counts.responses };
    for (const k of ERROR_KINDS) counters[`http.errors.${k}`] = counts.errors[k];
    return { type: 'progress', tMs: Date.now(), steps: counts.responses, counters, gauges: {}, phases: {} };
  };
  const flush = (): void => {
    if (silent) return;
    const batch = latencies.takeBatch(Date.now());
    if (batch) emit(batch);
    emit(progress());
  };

  const settle = (): void => {
    inFlight--;
    ended++;
    if (ended >= max) allEnded();
    if (inFlight === 0) drained?.();
  };
  const send = (i: number, intendedMs: number): void => {
    const r = s.requests[i % s.requests.length]!;
    counts.sent++;
    inFlight++;
    let statusCode = 0;
    // undici's dispatch API with a plain handler: no promise and no body stream per request
    // (its request() API made the generator use twice the CPU per request). The body is
    // read to its end and dropped; the latency ends with it.
    poolOf(r.origin).dispatch(
      { method: r.method as Dispatcher.HttpMethod, path: r.path, headers: r.headers, body: r.body ?? null },
      {
        onConnect() {},
        onHeaders(code: number) {
          statusCode = code;
          return true;
        },
        onData() {
          return true;
        },
        onComplete() {
          if (!silent) {
            latencies.record(performance.now() - intendedMs);
            counts.responses++;
            if (isErrorStatus(statusCode)) counts.errors.status++;
          }
          settle();
        },
        onError(err: Error) {
          if (!silent) {
            const kind = classifyRequestError(err);
            counts.errors[kind]++;
            // A timeout is a latency too (at least this long): leaving it out would hide the worst.
            if (kind === 'timeout') latencies.record(performance.now() - intendedMs);
          }
          settle();
        },
      },
    );
  };

  const startMs = performance.now();
  let next = 0;
  let timer: NodeJS.Timeout | undefined;
  const tick = (): void => {
    timer = undefined;
    if (!sending) return;
    const now = performance.now();
    const due = dueCount(startMs, s.ratePerSec, now, max);
    for (; next < due; next++) send(next, intendedSendMs(startMs, s.ratePerSec, next));
    if (next >= max) {
      sending = false;
      return;
    }
    timer = setTimeout(tick, Math.max(1, intendedSendMs(startMs, s.ratePerSec, next) - performance.now()));
  };
  emit(progress()); // steps 0 at the load's start: the load window's first edge
  const reporter = setInterval(flush, s.intervalMs);
  tick();

  const close = async (): Promise<void> => {
    await Promise.all([...pools.values()].map((p) => p.destroy()));
  };
  return {
    allEnded: allEndedP,
    async stop() {
      sending = false;
      if (timer) clearTimeout(timer);
      if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
      clearInterval(reporter);
      flush();
      silent = true;
      await close();
    },
    async abort() {
      sending = false;
      silent = true;
      if (timer) clearTimeout(timer);
      clearInterval(reporter);
      await close();
    },
    counts: () => ({ ...counts, errors: { ...counts.errors } }),
  };
}
