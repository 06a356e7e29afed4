import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { parseCount, parseDurationMs } from '../../units/parse.js';
import { isLoopbackHost, parseHttpUrl, readRequestFile, requestOfUrl } from '../../load/requests.js';
import type { LoadPlan } from '../../profile/load-driver.js';
import { addFlag } from './flag.js';
import { FLAGS, type Raw } from './flags.js';

/**
 * mem-stress's load for a service: --http / --http-file (the built-in open-loop load, at
 * mem-stress's --rate), --connections, --http-timeout, --load (the user's own generator),
 * --ready-url and --listen-timeout. Only for a command target.
 */

export type LoadRaw = Raw<'http' | 'httpFile' | 'connections' | 'httpTimeout' | 'listenTimeout' | 'readyUrl' | 'load'>;

/**
 * 100 sockets: undici opens them only as concurrency needs them (a quick service at 1,000/s
 * uses a handful), and 100 carry 10,000 requests/s at 10 ms each (Little's law) or ride out
 * a 300 ms stall at 300/s without queueing in memkit. A request that finds them all busy
 * waits in memkit's queue, and that wait counts in its latency: the load stays open loop.
 */
export const DEFAULT_CONNECTIONS = 100;
export const DEFAULT_HTTP_TIMEOUT = '10s';
export const DEFAULT_LISTEN_TIMEOUT = '30s';

export function addLoadOptions(cmd: Command): Command {
  addFlag(cmd, FLAGS.http);
  addFlag(cmd, FLAGS.httpFile);
  addFlag(cmd, FLAGS.connections, { defaultNote: String(DEFAULT_CONNECTIONS) });
  addFlag(cmd, FLAGS.httpTimeout, { defaultNote: DEFAULT_HTTP_TIMEOUT });
  addFlag(cmd, FLAGS.load);
  addFlag(cmd, FLAGS.readyUrl);
  return addFlag(cmd, FLAGS.listenTimeout, { defaultNote: DEFAULT_LISTEN_TIMEOUT });
}

export interface LoadContext {
  hasCommand: boolean;
  ratePerSec?: number;
  durationMs?: number;
  maxSteps?: number;
  intervalMs: number;
}

/** The load plan (undefined without --http, --http-file and --load) and the warnings to print. */
export function parseLoadOptions(raw: LoadRaw, ctx: LoadContext): { plan?: LoadPlan; warnings: string[] } {
  const builtIn = raw.http.length > 0 || raw.httpFile !== undefined;
  const any = builtIn || raw.load !== undefined;
  const needs = (flag: string, what: string): never => {
    throw new UsageError(`${flag} needs ${what}`);
  };
  if (!any) {
    if (raw.readyUrl !== undefined) needs('--ready-url', '--load or --http');
    if (raw.listenTimeout !== undefined) needs('--listen-timeout', '--http or --load');
  }
  if (!builtIn) {
    if (raw.connections !== undefined) needs('--connections', '--http or --http-file');
    if (raw.httpTimeout !== undefined) needs('--http-timeout', '--http or --http-file');
  }
  // A command has no steps of memkit's to pace: without a load, --rate would do nothing.
  if (!any && ctx.hasCommand && ctx.ratePerSec !== undefined) needs('--rate', '--http (or --http-file) for a command: the requests per second to send');
  if (!any) return { warnings: [] };
  const given = raw.http.length > 0 ? '--http' : raw.httpFile !== undefined ? '--http-file' : '--load';
  if (!ctx.hasCommand) throw new UsageError(`${given} loads a program: give it after --, e.g. mem-stress ${given} … -- node server.js`);
  if (raw.load !== undefined && !builtIn) {
    if (ctx.ratePerSec !== undefined) throw new UsageError("--rate sets --http's requests per second; --load's rate is its own command's");
    if (ctx.maxSteps !== undefined) throw new UsageError('--signals counts the requests of --http; with --load alone give --duration');
  }
  if (builtIn && ctx.ratePerSec === undefined) throw new UsageError(`${given} needs --rate N: the requests per second to send (open loop)`);

  const urls = raw.http.map((u) => parseHttpUrl(u));
  const requests = [...urls.map(requestOfUrl), ...(raw.httpFile !== undefined ? readRequestFile(raw.httpFile, urls[0]) : [])];
  const readyUrl = raw.readyUrl !== undefined ? parseHttpUrl(raw.readyUrl, '--ready-url') : requests[0] ? new URL(requests[0].origin) : undefined;
  const warnings: string[] = [];
  const hosts = new Set(requests.map((r) => new URL(r.origin).hostname));
  if (readyUrl) hosts.add(readyUrl.hostname);
  for (const h of hosts) {
    if (!isLoopbackHost(h)) warnings.push(`memkit: warning: load goes to ${h}, which is not a loopback address: another machine is loaded and its network measured too`);
  }
  const plan: LoadPlan = {
    ...(builtIn
      ? {
          http: {
            requests,
            ratePerSec: ctx.ratePerSec!,
            connections: raw.connections !== undefined ? parseCount(raw.connections, { what: '--connections', allowZero: false }) : DEFAULT_CONNECTIONS,
            timeoutMs: parseDurationMs(raw.httpTimeout ?? DEFAULT_HTTP_TIMEOUT, { what: '--http-timeout', defaultUnit: 's', allowZero: false }),
          },
          maxRequests: ctx.maxSteps,
        }
      : {}),
    ...(raw.load !== undefined ? { command: nonEmpty(raw.load) } : {}),
    ...(readyUrl ? { readyUrl } : {}),
    listenTimeoutMs: parseDurationMs(raw.listenTimeout ?? DEFAULT_LISTEN_TIMEOUT, { what: '--listen-timeout', defaultUnit: 's', allowZero: false }),
    durationMs: ctx.durationMs,
    intervalMs: ctx.intervalMs,
  };
  return { plan, warnings };
}

function nonEmpty(line: string): string {
  if (line.trim() === '') throw new UsageError('--load: the command line is empty');
  return line;
}
