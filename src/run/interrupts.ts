/**
 * Ctrl-C and SIGTERM while memkit measures: the first one asks the current run to stop
 * (the child finishes its step and sends what it has; a partial baseline is written);
 * the runner escalates a second one to SIGKILL. Handlers exist only while measuring, so
 * memkit's own default behaviour is untouched elsewhere.
 */
export type InterruptSignal = 'SIGINT' | 'SIGTERM';

export class InterruptGuard {
  private received: InterruptSignal | undefined;
  private listeners = new Set<(signal: InterruptSignal) => void>();
  private readonly onSigint = () => this.fire('SIGINT');
  private readonly onSigterm = () => this.fire('SIGTERM');

  constructor() {
    process.on('SIGINT', this.onSigint);
    process.on('SIGTERM', this.onSigterm);
  }

  private fire(signal: InterruptSignal): void {
    this.received ??= signal;
    for (const l of this.listeners) l(signal);
  }

  /** The first signal received, if any. */
  get signal(): InterruptSignal | undefined {
    return this.received;
  }

  /** Calls `fn` on every signal until the returned function is called. */
  subscribe(fn: (signal: InterruptSignal) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  dispose(): void {
    process.removeListener('SIGINT', this.onSigint);
    process.removeListener('SIGTERM', this.onSigterm);
    this.listeners.clear();
  }
}
