import { isIP } from 'node:net';
import { UsageError } from '../core/errors.js';

/**
 * `--prometheus [host:port]`: where the /metrics endpoint listens. Loopback unless the
 * user writes another host: the endpoint has no authentication and tells anyone who can
 * reach it what runs on this machine, so exposing it is a decision the user makes by
 * typing the address. Pure parsing, no prom-client: commands check the flag at parse time.
 */

export const DEFAULT_PROMETHEUS_PORT = 9464;
export const DEFAULT_PROMETHEUS_HOST = '127.0.0.1';

export interface ListenAddress {
  host: string;
  /** 0 = any free port (the exporter's `url` says which). */
  port: number;
  /** The host is this machine's loopback (127.0.0.0/8, ::1, localhost). */
  loopback: boolean;
}

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/**
 * "9464" and ":9464" → 127.0.0.1:9464; "0.0.0.0:9464", "[::1]:9464", "localhost:9464"
 * as written. `true` (the flag without a value) → the default 127.0.0.1:9464.
 */
export function parseListenAddress(value: string | true, what = '--prometheus'): ListenAddress {
  if (value === true) return { host: DEFAULT_PROMETHEUS_HOST, port: DEFAULT_PROMETHEUS_PORT, loopback: true };
  const text = value.trim();
  const bad = (why: string): never => {
    throw new UsageError(`${what}: '${value}' ${why} (use host:port, e.g. 127.0.0.1:9464 or :9464)`);
  };
  let host: string;
  let portText: string;
  const v6 = /^\[([^\]]*)\]:(.*)$/.exec(text);
  if (v6) {
    host = v6[1]!;
    portText = v6[2]!;
    if (isIP(host) !== 6) bad('is not a valid IPv6 address');
  } else if (/^\d*$/.test(text)) {
    host = DEFAULT_PROMETHEUS_HOST;
    portText = text;
  } else {
    const i = text.lastIndexOf(':');
    if (i < 0) bad('has no port');
    host = text.slice(0, i) || DEFAULT_PROMETHEUS_HOST;
    portText = text.slice(i + 1);
    if (host.includes(':')) bad('is ambiguous: write an IPv6 host in brackets, [::1]:9464');
    if (isIP(host) === 0 && (/^[\d.]+$/.test(host) || !HOSTNAME.test(host))) bad('is not a valid host');
  }
  if (!/^\d{1,5}$/.test(portText)) bad('has no valid port');
  const port = Number(portText);
  if (port > 65535) bad('has a port above 65535');
  return { host, port, loopback: isLoopback(host) };
}

export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return /^::ffff:127\./.test(h);
}

/** "127.0.0.1:9464", "[::1]:9464". */
export function formatHostPort(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}
