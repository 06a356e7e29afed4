import type { ListenAddress } from './listen-address.js';

/**
 * What --prometheus asks of a measuring run. The flags themselves are declared and parsed
 * with the other command-line options (src/cli/options/prometheus.ts); this is the typed
 * result the measuring session and the exporter read.
 */
export interface PrometheusSettings {
  listen: ListenAddress;
  /** After the last run: serve until a scrape has read the final values, at most this long. */
  lingerMs: number;
}

export const DEFAULT_LINGER_MS = 15_000;
