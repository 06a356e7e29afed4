import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError, describeFsError } from '../core/errors.js';

/**
 * memkit.config.json: one JSON object with a section per command ("diff": {...}). It is
 * read from the current folder unless `--config FILE` names another (which must then
 * exist) or `--no-config` turns it off. Sections of other commands are left to them.
 */

export const CONFIG_FILE = 'memkit.config.json';

export interface LoadedConfig {
  path: string;
  sections: Record<string, unknown>;
}

/** `explicit`: the --config value; false: --no-config; undefined: look in `cwd`. */
export function loadConfig(explicit: string | false | undefined, cwd: string = process.cwd()): LoadedConfig | undefined {
  if (explicit === false) return undefined;
  const path = explicit ?? resolve(cwd, CONFIG_FILE);
  if (explicit === undefined && !existsSync(path)) return undefined;
  const shown = explicit ?? CONFIG_FILE;
  let text: string;
  try {
    if (statSync(path).isDirectory()) throw Object.assign(new Error('dir'), { code: 'EISDIR' });
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`config ${describeFsError(err, shown) ?? `${shown}: cannot read (${(err as Error).message})`}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`config ${shown}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new UsageError(`config ${shown}: expected a JSON object with a section per command, e.g. {"diff": {...}}`);
  }
  return { path: shown, sections: doc as Record<string, unknown> };
}
