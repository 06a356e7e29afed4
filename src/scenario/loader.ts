import { existsSync, readdirSync, statSync } from 'node:fs';
import { extname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UsageError } from '../core/errors.js';
import type { ParamValue, ScenarioDefinition } from './define.js';
import { findScenarioProblem } from './validate.js';

/**
 * Finds and imports a scenario: a built-in by name (compiled into dist/scenarios/) or a
 * user's module by path. Used by the parent to fail fast on bad input (exit 2) and by
 * the child agent to run it.
 */

const BUILTIN_DIR = fileURLToPath(new URL('../../scenarios/', import.meta.url));

export interface LoadedScenario {
  definition: ScenarioDefinition;
  /** Absolute path of the module. */
  file: string;
  builtin: boolean;
}

export function listBuiltinScenarios(): string[] {
  try {
    return readdirSync(BUILTIN_DIR)
      .filter((f) => f.endsWith('.js'))
      .map((f) => f.slice(0, -3))
      .sort();
  } catch {
    return [];
  }
}

function looksLikePath(spec: string): boolean {
  return spec.includes('/') || spec.includes('\\') || /\.(c|m)?[jt]s$/.test(spec);
}

/** Where a scenario spec points, without importing it. */
export function resolveScenarioFile(spec: string, cwd: string): { file: string; builtin: boolean } {
  if (!looksLikePath(spec)) {
    const file = resolve(BUILTIN_DIR, `${spec}.js`);
    if (!existsSync(file)) {
      const known = listBuiltinScenarios();
      throw new UsageError(
        `unknown scenario '${spec}' (built-in: ${known.join(', ') || 'none'}; or give a path to your own .js file)`,
      );
    }
    return { file, builtin: true };
  }
  const file = isAbsolute(spec) ? spec : resolve(cwd, spec);
  if (!existsSync(file)) throw new UsageError(`scenario file ${spec}: no such file`);
  if (statSync(file).isDirectory()) throw new UsageError(`scenario file ${spec}: is a directory, expected a .js module`);
  if (['.ts', '.mts', '.cts'].includes(extname(file))) {
    throw new UsageError(`scenario file ${spec}: Node 20 cannot run TypeScript directly; compile it to .js first (e.g. tsc)`);
  }
  return { file, builtin: false };
}

export async function loadScenario(spec: string, cwd: string = process.cwd()): Promise<LoadedScenario> {
  const { file, builtin } = resolveScenarioFile(spec, cwd);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new UsageError(`scenario file ${spec} failed to load: ${message}`, { cause: err });
  }
  const definition = (mod.default ?? mod) as ScenarioDefinition;
  const problem = findScenarioProblem(definition);
  if (problem) throw new UsageError(`scenario file ${spec}: ${problem}`);
  return { definition, file, builtin };
}

export interface ResolvedRun {
  variant: string;
  params: Record<string, ParamValue>;
}

/**
 * The variant and the full parameter set for a run: defaults, then the variant's values,
 * then the user's --param overrides, each coerced to the type of its default.
 */
export function resolveVariantAndParams(
  def: ScenarioDefinition,
  variant: string | undefined,
  overrides: Record<string, string>,
): ResolvedRun {
  const variants = Object.keys(def.variants);
  const chosen = variant ?? def.defaultVariant ?? variants[0]!;
  if (!(chosen in def.variants)) {
    throw new UsageError(`scenario ${def.name} has no variant '${chosen}' (variants: ${variants.join(', ')})`);
  }
  const specs = def.params ?? {};
  const params: Record<string, ParamValue> = {};
  for (const [name, spec] of Object.entries(specs)) params[name] = spec.default;
  Object.assign(params, def.variants[chosen]!.params ?? {});
  for (const [name, raw] of Object.entries(overrides)) {
    const spec = specs[name];
    if (!spec) {
      const known = Object.keys(specs);
      throw new UsageError(
        `scenario ${def.name} has no parameter '${name}' (parameters: ${known.length ? known.join(', ') : 'none'})`,
      );
    }
    params[name] = coerceParam(name, raw, spec.default);
  }
  const problem = def.validateParams?.(params);
  if (problem) throw new UsageError(`scenario ${def.name}: ${problem}`);
  return { variant: chosen, params };
}

function coerceParam(name: string, raw: string, like: ParamValue): ParamValue {
  if (typeof like === 'number') {
    const n = Number(raw.replace(/_/g, ''));
    if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--param ${name}=${raw}: expected a number`);
    return n;
  }
  if (typeof like === 'boolean') {
    if (/^(true|1|yes|on)$/i.test(raw)) return true;
    if (/^(false|0|no|off)$/i.test(raw)) return false;
    throw new UsageError(`--param ${name}=${raw}: expected true or false`);
  }
  return raw;
}

/** "key=value" strings from repeated --param flags. */
export function parseParamFlags(flags: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param ${flag}: expected key=value`);
    out[flag.slice(0, eq).trim()] = flag.slice(eq + 1);
  }
  return out;
}
