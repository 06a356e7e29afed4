import { fork } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../core/errors.js';
import { startExternalSampler, type ExternalSample } from '../run/external-sampler.js';
import type { ChildMessage, ParentMessage, SimilarityJob } from './child-protocol.js';

/**
 * Parent side of one similarity computation: forks the child, samples its RSS from
 * outside (src/run/external-sampler.ts), forwards its progress, appends every sample and
 * message to a JSON-lines file as they arrive, and before letting the child exit reads
 * the kernel's high-water mark of its RSS (VmHWM), which no sampling interval can miss.
 */

export interface MeasuredRun {
  status: 'complete' | 'crashed' | 'interrupted';
  statusReason?: string;
  startedAt: string;
  wallMs: number;
  pid: number;
  exit: { code: number | null; signal: string | null };
  /** Highest RSS seen by the sampler. */
  sampledPeakRssBytes: number;
  /** VmHWM from /proc/<pid>/status just before exit (Linux), else undefined. */
  hwmRssBytes?: number;
  /** max(sampled, high-water mark): the figure reported as the measured peak. */
  peakRssBytes: number;
  sampleCount: number;
  loaded?: Extract<ChildMessage, { type: 'loaded' }>;
  computed?: Extract<ChildMessage, { type: 'computed' }>;
  written?: Extract<ChildMessage, { type: 'written' }>;
  stderrTail: string;
}

export interface MeasureOptions {
  sampleIntervalMs: number;
  /** JSON-lines file for raw samples and events; none when undefined. */
  samplesPath?: string;
  onProgress?: (rowsDone: number, rows: number) => void;
  onPhase?: (msg: ChildMessage) => void;
  /** Aborted (Ctrl-C): the child is killed and the run reported as interrupted. */
  signal?: AbortSignal;
}

const CHILD = fileURLToPath(new URL('./child.js', import.meta.url));
const STDERR_TAIL_BYTES = 4000;

export function runMeasuredChild(job: SimilarityJob, opts: MeasureOptions): Promise<MeasuredRun> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const child = fork(CHILD, [], { execArgv: ['--expose-gc'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  // One file per run: a rerun into the same folder replaces the previous run's samples.
  const log = opts.samplesPath ? openSync(opts.samplesPath, 'w') : undefined;
  const append = (obj: unknown) => {
    if (log !== undefined) writeSync(log, JSON.stringify(obj) + '\n');
  };
  append({ type: 'start', t: Date.now(), pid: child.pid, strategy: job.strategy });
  let stderrTail = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderrTail = (stderrTail + d.toString()).slice(-STDERR_TAIL_BYTES);
  });
  const sampler = startExternalSampler(child.pid!, opts.sampleIntervalMs, (s: ExternalSample) =>
    append({ type: 'sample', t: s.tMs, rssBytes: s.rssBytes, cpuPercent: s.cpuPercent }),
  );
  const run: Partial<MeasuredRun> = {};
  let usageError: string | undefined;
  let hwm: number | undefined;
  let interrupted = false;

  const onAbort = () => {
    interrupted = true;
    child.kill('SIGKILL');
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  child.on('message', (msg: ChildMessage) => {
    if (msg.type !== 'progress') append({ ...msg, t: Date.now() });
    switch (msg.type) {
      case 'progress':
        opts.onProgress?.(msg.rowsDone, msg.rows);
        return;
      case 'loaded':
        run.loaded = msg;
        break;
      case 'computed':
        run.computed = msg;
        break;
      case 'written':
        run.written = msg;
        break;
      case 'usage-error':
        usageError = msg.message;
        return;
      case 'done':
        hwm = readHwm(child.pid!);
        child.send({ type: 'exit' } satisfies ParentMessage);
        return;
    }
    opts.onPhase?.(msg);
  });
  child.send({ type: 'job', job } satisfies ParentMessage);

  return new Promise((resolve, reject) => {
    child.on('exit', (code, signal) => {
      void sampler.stop().then(() => {
        opts.signal?.removeEventListener('abort', onAbort);
        append({ type: 'exit', t: Date.now(), code, signal });
        if (log !== undefined) closeSync(log);
        if (usageError !== undefined) {
          reject(new UsageError(usageError));
          return;
        }
        const sampled = sampler.peakRssBytes;
        const complete = code === 0 && run.computed !== undefined && hwm !== undefined;
        let status: MeasuredRun['status'] = complete ? 'complete' : 'crashed';
        let statusReason: string | undefined;
        if (interrupted) {
          status = 'interrupted';
          statusReason = 'interrupted (Ctrl-C): the computation was stopped';
        } else if (!complete) {
          statusReason = describeCrash(code, signal, stderrTail);
        }
        resolve({
          status,
          ...(statusReason ? { statusReason } : {}),
          startedAt,
          wallMs: performance.now() - t0,
          pid: child.pid!,
          exit: { code, signal },
          sampledPeakRssBytes: sampled,
          ...(hwm !== undefined ? { hwmRssBytes: hwm } : {}),
          peakRssBytes: Math.max(sampled, hwm ?? 0),
          sampleCount: sampler.sampleCount,
          ...run,
          stderrTail,
        });
      }, reject);
    });
  });
}

function readHwm(pid: number): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

function describeCrash(code: number | null, signal: string | null, stderr: string): string {
  if (signal === 'SIGKILL') return 'the computing child was killed (SIGKILL: out of memory, or killed by the system)';
  if (signal) return `the computing child died of ${signal}`;
  const last = stderr.trim().split('\n').filter(Boolean).slice(-1)[0];
  return `the computing child exited with code ${code}${last ? `: ${last}` : ''}`;
}
