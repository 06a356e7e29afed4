import ora, { type Ora } from 'ora';

/**
 * Live progress for long commands. On a TTY: an ora spinner on stderr, redrawn with the
 * latest figures. Elsewhere (CI logs, pipes): no spinner, but a plain line at most every
 * `plainEveryMs` so a 24-hour run still says it is alive. Output that must appear
 * (the child's own lines) goes through `print`, which keeps the spinner intact.
 */
export class Progress {
  private spinner: Ora | undefined;
  private lastPlain = 0;

  constructor(
    private readonly enabled: boolean,
    private readonly plainEveryMs = 60_000,
  ) {
    if (enabled && process.stderr.isTTY) {
      this.spinner = ora({ stream: process.stderr, discardStdin: false, hideCursor: true }).start();
    }
    this.lastPlain = Date.now();
  }

  get isTty(): boolean {
    return this.spinner !== undefined;
  }

  /** The spinner's text (TTY), or a periodic plain log line (otherwise). */
  update(text: string, plainLine?: () => string): void {
    if (this.spinner) {
      this.spinner.text = text;
      return;
    }
    if (!this.enabled || !plainLine) return;
    const now = Date.now();
    if (now - this.lastPlain >= this.plainEveryMs) {
      this.lastPlain = now;
      process.stderr.write(plainLine() + '\n');
    }
  }

  print(chunk: string | Buffer): void {
    if (this.spinner?.isSpinning) {
      this.spinner.clear();
      process.stderr.write(chunk);
      this.spinner.render();
    } else {
      process.stderr.write(chunk);
    }
  }

  stop(): void {
    this.spinner?.stop();
    this.spinner = undefined;
  }
}

/**
 * Runs `work` with a spinner (or plain progress lines) that the command owns: the layers
 * below only describe their progress through the sink they are given, and the spinner
 * is gone before the command prints its results or an error.
 */
export async function withProgress<T>(enabled: boolean, plainEveryMs: number | undefined, work: (progress: Progress) => Promise<T>): Promise<T> {
  const progress = new Progress(enabled, plainEveryMs);
  try {
    return await work(progress);
  } finally {
    progress.stop();
  }
}
