import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';
import { parseCount } from '../units/parse.js';
import { ensureDir, planBuild, type BuildPlan } from './build.js';
import { parseWeights, resolveFileInput, syntheticInput } from './inputs.js';
import { KERNEL_CHOICES } from './kernel-loader.js';
import { OUTPUT_FORMATS } from './manifest.js';
import { parseShard } from './shard.js';
import { parseSyntheticShape } from './synthetic.js';

/**
 * similarity-build's options, as the command parsed them, made into a plan: the inputs
 * read (headers only) or generated, the environment's fallbacks applied, the choices
 * checked, the output folder made. Bad input is a UsageError (exit 2) before any child
 * starts.
 */

export interface SimilarityBuildOptions {
  inputs: string[];
  /** Columns of raw float32 inputs. */
  dim?: number;
  /** "NxD": generated embeddings instead of files. */
  synthetic?: string;
  seed: number;
  weights?: string;
  /** From the flag; the environment is read here when it is absent. */
  topK?: number;
  microBatch?: number;
  workers?: number;
  budgetBytes?: number;
  outDir: string;
  format: string;
  shard?: string;
  compare: boolean;
  baselinePath?: string;
  kernel: string;
  sampleIntervalMs: number;
  argv: string[];
}

export function prepareBuild(o: SimilarityBuildOptions, env: NodeJS.ProcessEnv = process.env): BuildPlan {
  if (o.synthetic !== undefined && o.inputs.length > 0) throw new UsageError('give either --input or --synthetic, not both');
  if (o.synthetic === undefined && o.inputs.length === 0) {
    throw new UsageError('nothing to compute: give --input items.npy (repeat for several modalities) or --synthetic 100000x128');
  }
  const sources: Record<string, string> = {};
  /** The flag, else the environment variable; `sources` records which, for the baseline. */
  const fromFlagOrEnv = (flag: number | undefined, envName: string, key: string): number | undefined => {
    if (flag !== undefined) {
      sources[key] = 'flag';
      return flag;
    }
    const text = env[envName];
    if (text === undefined || text.trim() === '') return undefined;
    sources[key] = envName;
    return parseCount(text, { what: `${envName} (environment)`, allowZero: false });
  };
  const specs =
    o.synthetic !== undefined ? [syntheticInput(parseSyntheticShape(o.synthetic), o.seed)] : o.inputs.map((p) => resolveFileInput(p, o.dim));
  const labels = o.synthetic !== undefined ? [`synthetic:${o.synthetic}:seed=${o.seed}`] : o.inputs;
  const weights = parseWeights(o.weights, specs.length);
  const k = fromFlagOrEnv(o.topK, 'SIMILARITY_TOP_K', 'topK') ?? 200;
  sources.topK ??= 'default';
  const microBatch = fromFlagOrEnv(o.microBatch, 'SIMILARITY_MICRO_BATCH_SIZE', 'microBatch');
  const format = oneOf(OUTPUT_FORMATS, o.format, '--format');
  const kernel = oneOf(KERNEL_CHOICES, o.kernel, '--kernel');
  const shard = o.shard !== undefined ? parseShard(o.shard) : null;
  if (shard && o.compare) throw new UsageError('--compare runs on all rows; leave out --shard');

  ensureDir(o.outDir); // before any plan is printed or child started
  const plan = planBuild({
    inputs: specs,
    inputLabels: labels,
    weights,
    k,
    ...(microBatch !== undefined ? { microBatch } : {}),
    ...(o.workers !== undefined ? { workers: o.workers } : {}),
    maxWorkers: availableParallelism(),
    ...(o.budgetBytes !== undefined ? { budgetBytes: o.budgetBytes } : {}),
    kernel,
    shard,
    outDir: o.outDir,
    format,
    baselinePath: o.baselinePath ?? join(o.outDir, 'baseline.json'),
    sampleIntervalMs: o.sampleIntervalMs,
    argv: o.argv,
    sources,
  });
  if (plan.memory.choice) sources.microBatch ??= 'budget';
  sources.microBatch ??= 'default';
  return plan;
}

function oneOf<T extends string>(choices: readonly T[], text: string, what: string): T {
  const found = choices.find((c) => c === text);
  if (found === undefined) throw new UsageError(`${what}: '${text}' is not one of ${choices.join(', ')}`);
  return found;
}

