import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { parseBytes } from '../../units/parse.js';
import type { AllocSitesConfig } from '../../samples/protocol.js';
import { addFlag } from './flag.js';
import { FLAGS, type Raw } from './flags.js';

/** --alloc-sites and its outputs: what the agents sample, and the standard files written from it. */

export type AllocSitesRaw = Raw<'allocSites' | 'allocInterval' | 'allocNoInline' | 'pprof' | 'folded'>;

export interface AllocSitesSettings {
  allocSites?: AllocSitesConfig;
  pprofPath?: string;
  foldedPath?: string;
}

/** V8's own default (and `node --heap-prof`'s). */
const DEFAULT_INTERVAL_BYTES = 512 * 1024;
/** Periodic reads, so that a crash keeps what was allocating; a read of a large profile costs milliseconds. */
const EVERY_MS = 10_000;

export function addAllocSitesOptions(cmd: Command): Command {
  addFlag(cmd, FLAGS.allocSites);
  addFlag(cmd, FLAGS.allocInterval);
  addFlag(cmd, FLAGS.allocNoInline);
  addFlag(cmd, FLAGS.pprof);
  return addFlag(cmd, FLAGS.folded);
}

export function parseAllocSitesOptions(raw: AllocSitesRaw): AllocSitesSettings {
  const needsSites = (['allocInterval', 'allocNoInline', 'pprof', 'folded'] as const).find((k) => raw[k] !== undefined);
  if (needsSites && raw.allocSites !== true) {
    const name = { allocInterval: '--alloc-interval', allocNoInline: '--alloc-no-inline', pprof: '--pprof', folded: '--folded' }[needsSites];
    const what = needsSites === 'pprof' || needsSites === 'folded' ? 'writes' : 'samples';
    throw new UsageError(`${name}: needs --alloc-sites (the sites are what it ${what})`);
  }
  if (raw.allocSites !== true) return {};
  const intervalBytes = raw.allocInterval === undefined ? DEFAULT_INTERVAL_BYTES : parseBytes(raw.allocInterval, { what: '--alloc-interval', allowZero: false });
  if (intervalBytes < 1024 || intervalBytes > 64 * 2 ** 20) {
    throw new UsageError(`--alloc-interval: ${raw.allocInterval} is outside 1KiB..64MiB (smaller samples more and costs more; V8's default is 512KiB)`);
  }
  return {
    allocSites: { intervalBytes: Math.round(intervalBytes), everyMs: EVERY_MS, ...(raw.allocNoInline === true ? { noInline: true } : {}) },
    pprofPath: raw.pprof,
    foldedPath: raw.folded,
  };
}
