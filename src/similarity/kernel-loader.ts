import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../core/errors.js';
import { columnPanelsPerBlock } from './panel-layout.js';
import { denseBlockJs, topkBatchJs } from './kernel-js.js';

/**
 * Chooses the top-K kernel: the native addon at its best instruction-set level for this
 * CPU (AVX-512, AVX2+FMA, generic C++), or the portable JavaScript one when the addon
 * was not built. Loaded only by the similarity child and its workers, never by the CLI.
 */

export type KernelChoice = 'auto' | 'avx512' | 'avx2' | 'generic' | 'js';
export const KERNEL_CHOICES: readonly KernelChoice[] = ['auto', 'avx512', 'avx2', 'generic', 'js'];

export interface Kernel {
  /** e.g. "native-avx512", "js". */
  name: string;
  topkBatch(panels: Float32Array, n: number, dims: number, rowStart: number, rowCount: number, k: number, outIds: Int32Array, outScores: Float32Array): [number, number];
  denseBlock(panels: Float32Array, n: number, dims: number, rowStart: number, rowCount: number, kStart: number, kEnd: number, out: Float32Array): void;
}

interface Addon {
  levels(): string[];
  topkBatch(level: string, panels: Float32Array, n: number, dims: number, rowStart: number, rowCount: number, k: number, block: number, outIds: Int32Array, outScores: Float32Array): [number, number];
  denseBlock(level: string, panels: Float32Array, n: number, dims: number, rowStart: number, rowCount: number, kStart: number, kEnd: number, out: Float32Array): void;
}

/** dist/src/similarity → the package root's native build. */
export const ADDON_PATH = fileURLToPath(new URL('../../../native/similarity/build/Release/memkit_similarity.node', import.meta.url));

let addonCache: Addon | null | undefined;

function loadAddon(): Addon | null {
  if (addonCache !== undefined) return addonCache;
  addonCache = null;
  if (existsSync(ADDON_PATH)) {
    try {
      addonCache = createRequire(import.meta.url)(ADDON_PATH) as Addon;
    } catch {
      addonCache = null; // built for another Node ABI or platform: fall back, the caller says so
    }
  }
  return addonCache;
}

/** The levels this machine offers, best first, ending with "js". */
export function availableKernels(): string[] {
  const addon = loadAddon();
  return [...(addon ? addon.levels() : []), 'js'];
}

export function loadKernel(choice: KernelChoice): Kernel {
  const addon = loadAddon();
  let level: string;
  if (choice === 'js') level = 'js';
  else if (choice === 'auto') level = addon ? addon.levels()[0]! : 'js';
  else {
    if (!addon) throw new UsageError(`--kernel ${choice}: the native kernel is not built (run npm ci with a C++ compiler), only --kernel js is available`);
    if (!addon.levels().includes(choice)) {
      throw new UsageError(`--kernel ${choice}: this CPU does not support it (available: ${availableKernels().join(', ')})`);
    }
    level = choice;
  }
  if (level === 'js' || !addon) {
    return { name: 'js', topkBatch: topkBatchJs, denseBlock: denseBlockJs };
  }
  const a = addon;
  return {
    name: `native-${level}`,
    topkBatch: (panels, n, dims, rowStart, rowCount, k, outIds, outScores) =>
      a.topkBatch(level, panels, n, dims, rowStart, rowCount, k, columnPanelsPerBlock(dims), outIds, outScores),
    denseBlock: (panels, n, dims, rowStart, rowCount, kStart, kEnd, out) =>
      a.denseBlock(level, panels, n, dims, rowStart, rowCount, kStart, kEnd, out),
  };
}
