import pidusage from 'pidusage';

/**
 * Samples a process from outside (RSS and CPU, as the kernel accounts them) with
 * pidusage, at a fixed interval, until the process is gone or `stop()` is called.
 *
 * pidusage's quirks, handled here: it keeps an open /proc/<pid>/stat handle per pid
 * and closes it only when its history entry expires (clear() just forgets it), so we
 * give it a short maxage instead of calling clear(); maxage 0 makes it recurse forever;
 * once the process has exited it rejects with ESRCH/ENOENT, which ends sampling.
 */

export interface ExternalSample {
  /** Epoch milliseconds when the sample was read. */
  tMs: number;
  rssBytes: number;
  /** CPU use since the previous sample, percent of one core. */
  cpuPercent: number;
  /** User + system CPU time used since the process started. */
  cpuMs: number;
}

export interface ExternalSampler {
  /** Stops sampling; resolves when no read is in flight. */
  stop(): Promise<void>;
  /** The highest RSS seen so far (0 before the first sample). */
  readonly peakRssBytes: number;
  readonly sampleCount: number;
}

export function startExternalSampler(
  pid: number,
  intervalMs: number,
  onSample: (s: ExternalSample) => void,
  onGone?: () => void,
): ExternalSampler {
  let stopped = false;
  let inFlight: Promise<void> | undefined;
  let peak = 0;
  let count = 0;
  const maxage = Math.max(1000, intervalMs * 5);

  const tick = (): void => {
    if (stopped || inFlight) return; // a slow read skips a tick rather than piling up
    inFlight = pidusage(pid, { maxage })
      .then((s) => {
        if (stopped) return;
        // A process that has exited but not been reaped yet (a zombie) reads as RSS 0: it
        // is gone, and a zero must not become the run's "end" RSS.
        if (s.memory === 0) throw Object.assign(new Error('process exited'), { code: 'ESRCH' });
        count++;
        if (s.memory > peak) peak = s.memory;
        onSample({ tMs: s.timestamp, rssBytes: s.memory, cpuPercent: s.cpu, cpuMs: s.ctime });
      })
      .catch((err: NodeJS.ErrnoException) => {
        // ESRCH/ENOENT: the process exited between two ticks; anything else also ends it,
        // since a sampler that cannot read is of no use and must not throw into the run.
        if (!stopped) {
          stopped = true;
          clearInterval(timer);
          onGone?.();
        }
        void err;
      })
      .finally(() => {
        inFlight = undefined;
      });
  };

  const timer = setInterval(tick, intervalMs);
  tick();

  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await inFlight;
    },
    get peakRssBytes() {
      return peak;
    },
    get sampleCount() {
      return count;
    },
  };
}
