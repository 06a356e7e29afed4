/**
 * Exit codes are a contract with CI (DESIGN.md): 0 ok, 1 regression or failed assertion,
 * 2 bad usage or bad input, 3 the measured child crashed, 130 interrupted by SIGINT.
 */
export const ExitCode = {
  Ok: 0,
  Regression: 1,
  Usage: 2,
  ChildCrashed: 3,
  /** A bug in memkit itself, not in the user's input or program. */
  Internal: 70,
  Interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Bad usage or bad input: printed as one line, exit code 2, never a stack trace. */
export class UsageError extends Error {
  readonly exitCode = ExitCode.Usage;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UsageError';
  }
}

/** Why an error is the user's (exit 2) and not ours (exit 70). */
export function isUsageError(err: unknown): err is UsageError {
  return err instanceof UsageError;
}

/** Node's own error for a missing file etc., turned into one readable line. */
export function describeFsError(err: unknown, path: string): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return `${path}: no such file or directory`;
    case 'EACCES':
    case 'EPERM':
      return `${path}: permission denied`;
    case 'EISDIR':
      return `${path}: is a directory, expected a file`;
    case 'ENOTDIR':
      return `${path}: a part of the path is not a directory`;
    default:
      return undefined;
  }
}

/** The one line printed for an error; with --debug the stack follows. */
export function formatFatal(err: unknown, debug: boolean): string {
  if (isUsageError(err)) {
    return `memkit: error: ${err.message}` + (debug && err.stack ? `\n${err.stack}` : '');
  }
  const message = err instanceof Error ? err.message : String(err);
  if (debug) return `memkit: internal error: ${message}\n${(err as Error)?.stack ?? ''}`;
  return `memkit: internal error: ${firstLine(message)} (run with --debug for details)`;
}

function firstLine(text: string): string {
  const i = text.indexOf('\n');
  return i < 0 ? text : text.slice(0, i);
}
