import { readFileSync } from 'node:fs';
import { describeFsError, UsageError } from '../core/errors.js';

/**
 * The requests a load sends, round robin: `--http URL` (a GET each, repeatable) and
 * `--http-file FILE` (a JSON list of {method, path | url, headers, body}; a `path` is
 * relative to the first --http URL's origin). Checked once, before anything runs.
 */
export interface LoadRequest {
  /** scheme://host:port, the pool the request goes through. */
  origin: string;
  method: string;
  /** Path and query. */
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export function parseHttpUrl(text: string, what = '--http'): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${what}: '${text}' is not a URL (expected e.g. http://127.0.0.1:3000/path)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${what}: '${text}' is not an http:// or https:// URL`);
  return url;
}

export function requestOfUrl(url: URL): LoadRequest {
  return { origin: url.origin, method: 'GET', path: `${url.pathname}${url.search}`, headers: {} };
}

/** A loopback host: 127.0.0.0/8, ::1, localhost. Load anywhere else is allowed, with a warning. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** The requests of an --http-file; `base` is the first --http URL, for entries that give a path. */
export function readRequestFile(path: string, base: URL | undefined): LoadRequest[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`--http-file ${describeFsError(err, path) ?? `${path}: ${(err as Error).message}`}`);
  }
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--http-file ${path}: not JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(list) || list.length === 0) throw new UsageError(`--http-file ${path}: expected a non-empty JSON list of requests`);
  return list.map((entry, i) => requestOfEntry(entry, `--http-file ${path}: request ${i + 1}`, base));
}

function requestOfEntry(entry: unknown, what: string, base: URL | undefined): LoadRequest {
  if (!entry || typeof entry !== 'object' || Array.isArray(entry)) throw new UsageError(`${what}: expected an object {method, path | url, headers, body}`);
  const e = entry as Record<string, unknown>;
  for (const key of Object.keys(e)) {
    if (!['method', 'path', 'url', 'headers', 'body'].includes(key)) throw new UsageError(`${what}: unknown field '${key}' (known: method, path, url, headers, body)`);
  }
  const method = e.method === undefined ? 'GET' : e.method;
  if (typeof method !== 'string' || !/^[A-Za-z]+$/.test(method)) throw new UsageError(`${what}: method must be a word such as GET or POST`);
  let url: URL;
  if (typeof e.url === 'string') {
    if (e.path !== undefined) throw new UsageError(`${what}: give url or path, not both`);
    url = parseHttpUrl(e.url, what);
  } else if (typeof e.path === 'string' && e.path.startsWith('/')) {
    if (!base) throw new UsageError(`${what}: a path needs an origin: give its url, or --http http://host:port`);
    url = new URL(e.path, base.origin);
  } else {
    throw new UsageError(`${what}: needs a url, or a path starting with /`);
  }
  const headers: Record<string, string> = {};
  if (e.headers !== undefined) {
    if (!e.headers || typeof e.headers !== 'object' || Array.isArray(e.headers)) throw new UsageError(`${what}: headers must be an object of strings`);
    for (const [k, v] of Object.entries(e.headers)) {
      if (typeof v !== 'string') throw new UsageError(`${what}: header '${k}' must be a string`);
      headers[k.toLowerCase()] = v;
    }
  }
  let body: string | undefined;
  if (typeof e.body === 'string') body = e.body;
  else if (e.body !== undefined && e.body !== null) {
    body = JSON.stringify(e.body);
    headers['content-type'] ??= 'application/json';
  }
  return { ...requestOfUrl(url), method: method.toUpperCase(), headers, ...(body !== undefined ? { body } : {}) };
}
