import type { Command } from 'commander';
import { ExitCode, formatFatal } from '../core/errors.js';

/**
 * Wraps a command's action: its returned number becomes the exit code, a UsageError
 * becomes one line and exit 2, anything else one line and exit 70 (--debug adds stacks).
 */
export function action<A extends unknown[]>(
  handler: (...args: A) => Promise<number> | number,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const cmd = args[args.length - 1] as Command;
    const debug = isDebug(cmd);
    try {
      process.exitCode = await handler(...args);
    } catch (err) {
      process.stderr.write(formatFatal(err, debug) + '\n');
      const code = (err as { exitCode?: number })?.exitCode;
      process.exitCode = typeof code === 'number' ? code : ExitCode.Internal;
    }
  };
}

export function isDebug(cmd: Command | undefined): boolean {
  if (process.env.MEMKIT_DEBUG === '1') return true;
  let c: Command | null | undefined = cmd;
  while (c) {
    if ((c.opts() as { debug?: boolean }).debug) return true;
    c = c.parent;
  }
  return false;
}
