import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { parseDurationMs } from '../../units/parse.js';
import { DEFAULT_LINGER_MS, type PrometheusSettings } from '../../prometheus/cli-options.js';
import { parseListenAddress } from '../../prometheus/listen-address.js';
import { addFlag } from './flag.js';
import { FLAGS, type Raw } from './flags.js';

/**
 * --prometheus and --prometheus-linger (gc-profile, mem-stress). Light on purpose: only
 * the address parser is loaded here; prom-client is loaded when the flag is given.
 */

export type PrometheusRaw = Raw<'prometheus' | 'prometheusLinger'>;

export function addPrometheusOptions(cmd: Command): Command {
  addFlag(cmd, FLAGS.prometheus);
  return addFlag(cmd, FLAGS.prometheusLinger);
}

export function parsePrometheusOptions(raw: PrometheusRaw): PrometheusSettings | undefined {
  if (raw.prometheus === undefined) {
    if (raw.prometheusLinger !== undefined) throw new UsageError('--prometheus-linger needs --prometheus');
    return undefined;
  }
  const lingerMs =
    raw.prometheusLinger !== undefined ? parseDurationMs(raw.prometheusLinger, { what: '--prometheus-linger', defaultUnit: 's' }) : DEFAULT_LINGER_MS;
  return { listen: parseListenAddress(raw.prometheus), lingerMs };
}
