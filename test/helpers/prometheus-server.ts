import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real Prometheus server for the tests (Debian's `prometheus` package, which `.ci/run`
 * installs): started here on loopback with its own config, storage and port, never as the
 * system service, and killed in teardown. Plus a reader for the text exposition format.
 */

/** Set to 1 to skip the tests that need a Prometheus server (they fail otherwise). */
export const SKIP_ENV = 'MEMKIT_SKIP_PROMETHEUS';

export function prometheusBinary(name: 'prometheus' | 'promtool' = 'prometheus'): string | undefined {
  const fromEnv = name === 'prometheus' ? process.env.PROMETHEUS_BIN : process.env.PROMTOOL_BIN;
  if (fromEnv) return fromEnv;
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** The binary, or a clear failure (a skip only when the user asked for one). */
export function requirePrometheusBinary(name: 'prometheus' | 'promtool'): { bin?: string; skip: boolean } {
  const bin = prometheusBinary(name);
  if (bin) return { bin, skip: false };
  if (process.env[SKIP_ENV] === '1') return { skip: true };
  throw new Error(
    `${name} is not installed: run 'apt-get install prometheus' (.ci/run does), or set ${SKIP_ENV}=1 to skip these tests`,
  );
}

/**
 * A port nobody listens on right now (loopback), for a server started a little later.
 * Not one the kernel picks (listen(0)): it hands the same ephemeral ports to outgoing
 * connections too (Prometheus scraping, other suites on a shared machine), and one once
 * took the port between this check and memkit's listen ("already in use"). Ports below
 * the ephemeral range are only ever taken on purpose; a random one is checked free here.
 */
const FIXED_PORTS = { first: 20_000, count: 12_000 }; // below Linux's 32768-60999
const handedOut = new Set<number>();
export async function freePort(): Promise<number> {
  for (;;) {
    const port = FIXED_PORTS.first + Math.floor(Math.random() * FIXED_PORTS.count);
    if (handedOut.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (!free) continue;
    handedOut.add(port);
    return port;
  }
}

export interface PrometheusServer {
  url: string;
  /** /api/v1/query at the server's "now"; the result vector. */
  query(promql: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
  /** /api/v1/targets: the active targets' health and last scrape. */
  targets(): Promise<Array<{ health: string; lastScrape: string; scrapeUrl: string; lastError: string }>>;
  stop(): Promise<void>;
}

export async function startPrometheus(opts: { bin: string; targets: string[]; scrapeIntervalS?: number }): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'memkit-prometheus-'));
  const interval = `${opts.scrapeIntervalS ?? 1}s`;
  const config = [
    'global:',
    `  scrape_interval: ${interval}`,
    `  scrape_timeout: ${interval}`,
    '  evaluation_interval: 1m',
    'scrape_configs:',
    '  - job_name: memkit',
    '    static_configs:',
    `      - targets: [${opts.targets.map((t) => `'${t}'`).join(', ')}]`,
    '',
  ].join('\n');
  writeFileSync(join(dir, 'prometheus.yml'), config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    opts.bin,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr!.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`prometheus exited at start (code ${child.exitCode}): ${log}`);
    }
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus did not become ready in 20s: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  const api = async (path: string): Promise<any> => {
    const res = await fetch(`${url}${path}`);
    const body = (await res.json()) as { status: string; data: unknown; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error ?? res.status}`);
    return body.data;
  };
  return {
    url,
    async query(promql) {
      const data = await api(`/api/v1/query?query=${encodeURIComponent(promql)}`);
      return data.result;
    },
    async targets() {
      const data = await api('/api/v1/targets');
      return data.activeTargets;
    },
    stop,
  };
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a text exposition (format 0.0.4), label values unescaped. */
export function parseExposition(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    out.push({ name: m[1]!, labels: m[2] ? parseLabels(m[2]) : {}, value: Number(m[3]) });
  }
  return out;
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|\})/gy;
  re.lastIndex = 1;
  while (re.lastIndex < text.length) {
    const m = re.exec(text);
    if (!m) throw new Error(`bad labels: ${text}`);
    labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return labels;
}

/** The samples named `name` whose labels include `match`. */
export function pick(samples: Sample[], name: string, match: Record<string, string> = {}): Sample[] {
  return samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v));
}

/** The one sample named `name` with labels `match`; throws when there is not exactly one. */
export function valueOf(samples: Sample[], name: string, match: Record<string, string> = {}): number {
  const found = pick(samples, name, match);
  if (found.length !== 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(match)}`);
  return found[0]!.value;
}
