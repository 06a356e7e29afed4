import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { parseDurationMs } from '../units/parse.js';
import { parseListenAddress, type ListenAddress } from './listen-address.js';

/**
 * The --prometheus flags every measuring command takes (gc-profile, mem-stress). Light on
 * purpose: command modules import this at the top, prom-client is loaded only when the
 * flag is given.
 */

export interface PrometheusSettings {
  listen: ListenAddress;
  /** After the last run: serve until a scrape has read the final values, at most this long. */
  lingerMs: number;
}

export const DEFAULT_LINGER_MS = 15_000;

export function addPrometheusOptions(command: Command): Command {
  return command
    .option(
      '--prometheus [host:port]',
      'serve live metrics on http://host:port/metrics while it runs (default 127.0.0.1:9464; loopback unless you write another host)',
    )
    .option(
      '--prometheus-linger <time>',
      'after the last run, serve until Prometheus has scraped the final values, at most this long (default 15s)',
    );
}

export function parsePrometheusOptions(opts: Record<string, unknown>): PrometheusSettings | undefined {
  if (opts.prometheus === undefined) {
    if (opts.prometheusLinger !== undefined) throw new UsageError('--prometheus-linger needs --prometheus');
    return undefined;
  }
  const lingerMs =
    opts.prometheusLinger !== undefined
      ? parseDurationMs(String(opts.prometheusLinger), { what: '--prometheus-linger', defaultUnit: 's' })
      : DEFAULT_LINGER_MS;
  return { listen: parseListenAddress(opts.prometheus as string | true), lingerMs };
}
