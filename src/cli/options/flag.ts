import type { Command } from 'commander';

/**
 * One command-line flag, declared once: its spelling, its one help text, and (as a type)
 * the value commander hands the action for it. Commands add flags through the groups in
 * this folder, so a flag reads the same in every command that takes it, and the raw
 * options an action receives are typed from the same declarations (RawOf).
 */
export interface Flag<T> {
  readonly flags: string;
  readonly description: string;
  /** Repeatable: every occurrence is collected into an array (empty when absent). */
  readonly repeatable?: boolean;
  /** Type only: the raw value commander stores for this flag. */
  readonly __value?: T;
}

export function flag<T>(flags: string, description: string, opts: { repeatable?: boolean } = {}): Flag<T> {
  return { flags, description, ...opts };
}

export const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/**
 * `defaultValue` is commander's (shown in --help as `(default: "100ms")`); `defaultNote`
 * is for defaults that are computed later and can only be described, e.g. a file name
 * built from the target and the time.
 */
export function addFlag<T>(cmd: Command, f: Flag<T>, how: { defaultValue?: string; defaultNote?: string } = {}): Command {
  const description = how.defaultNote !== undefined ? `${f.description} (default: ${how.defaultNote})` : f.description;
  if (f.repeatable) return cmd.option(f.flags, description, collect, []);
  return how.defaultValue !== undefined ? cmd.option(f.flags, description, how.defaultValue) : cmd.option(f.flags, description);
}

/** The raw options a set of flags yields, keyed as commander keys them (`--no-progress` → progress). */
export type RawOf<F> = { [K in keyof F]: F[K] extends Flag<infer T> ? T : never };
