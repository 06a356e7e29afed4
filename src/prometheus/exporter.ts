import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { UsageError } from '../core/errors.js';
import type { SampleRecord } from '../samples/run-data.js';
import { formatHostPort, parseListenAddress } from './listen-address.js';
import { createMetricFamilies, type MetricFamilies } from './metric-families.js';
import { RunFeed } from './run-feed.js';

/**
 * The Prometheus exporter of a measured command. It lives in memkit (the parent), fed with
 * the records the runner receives, so the measured child runs exactly as without it: no
 * HTTP server, no prom-client, no extra timers in the process being measured.
 *
 * One exporter serves all runs of a command (--repeat): each run's series carry `run="<n>"`.
 * Counters and histograms of finished runs stay, frozen at their final values, so a scrape
 * after the last run reads every run's totals; gauges of a finished run (RSS, heap, ...)
 * are dropped when the next run starts, since they describe a process that is gone.
 */

export interface MetricsExporter {
  /** Every record of the current run, in the order the runner received them. */
  onRecord(record: SampleRecord): void;
  /** A new run begins (a new child): its series get these labels, e.g. { run: '2' }. */
  newRun(labels: Record<string, string>): void;
  /** http://host:port/metrics, with the port actually bound. */
  readonly url: string;
  readonly loopback: boolean;
  /**
   * Resolves once a scrape has read the final values (a /metrics request that began
   * after the current run ended), or after `maxWaitMs`; true when such a scrape came.
   */
  waitForFinalScrape(maxWaitMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export interface ExporterOptions {
  /** host:port as --prometheus takes it (":9464" and "9464" mean 127.0.0.1). */
  listen: string | true;
  /** Labels on every series: command, scenario, variant, target, run_id. */
  labels: Record<string, string>;
}

const RUN_LABEL_NAMES = ['run'] as const;

export async function startMetricsExporter(opts: ExporterOptions): Promise<MetricsExporter> {
  const address = parseListenAddress(opts.listen);
  const families = createMetricFamilies(withoutEmpty(opts.labels));
  const state = new ExporterState(families);
  const server = createServer((req, res) => void state.serve(req, res));
  // One connection across Prometheus's usual 15 s scrape interval; close() drops it anyway.
  server.keepAliveTimeout = 60_000;
  await listen(server, address.host, address.port);
  const bound = server.address();
  const port = typeof bound === 'object' && bound ? bound.port : address.port;
  const url = `http://${formatHostPort(address.host, port)}/metrics`;
  let closed: Promise<void> | undefined;
  return {
    onRecord: (record) => state.onRecord(record),
    newRun: (labels) => state.newRun(labels),
    url,
    loopback: address.loopback,
    waitForFinalScrape: (maxWaitMs) => state.waitForFinalScrape(maxWaitMs),
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

class ExporterState {
  private current: RunFeed | undefined;
  private runCount = 0;
  private finalScrapeWaiters: Array<() => void> = [];
  private finalScrapeSeen = false;

  constructor(private readonly families: MetricFamilies) {}

  newRun(labels: Record<string, string>): void {
    for (const name of Object.keys(labels)) {
      if (!(RUN_LABEL_NAMES as readonly string[]).includes(name)) throw new Error(`exporter: unknown run label '${name}'`);
    }
    this.current?.retire();
    this.runCount++;
    this.finalScrapeSeen = false;
    this.current = new RunFeed(this.families, { run: labels.run ?? String(this.runCount) });
  }

  onRecord(record: SampleRecord): void {
    if (!this.current) this.newRun({});
    this.current!.onRecord(record);
  }

  async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    if (path === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end('<html><body><h1>memkit</h1><p><a href="/metrics">/metrics</a></p></body></html>\n');
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found: try /metrics\n');
      return;
    }
    // Whether this scrape reads the final values is decided before reading them (a HEAD
    // request reads nothing).
    const final = this.current?.hasEnded === true && req.method === 'GET';
    try {
      this.current?.refreshAllocationRate();
      const body = await this.families.registry.metrics();
      res.writeHead(200, { 'Content-Type': this.families.registry.contentType });
      const sent = (): void => {
        if (final) this.onFinalScrape();
      };
      if (req.method === 'HEAD') res.end(sent);
      else res.end(body, sent);
    } catch (err) {
      res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`memkit exporter error: ${(err as Error).message}\n`);
    }
  }

  private onFinalScrape(): void {
    this.finalScrapeSeen = true;
    for (const w of this.finalScrapeWaiters.splice(0)) w();
  }

  waitForFinalScrape(maxWaitMs: number): Promise<boolean> {
    if (this.finalScrapeSeen) return Promise.resolve(true);
    if (maxWaitMs <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.finalScrapeWaiters = this.finalScrapeWaiters.filter((w) => w !== done);
        resolve(false);
      }, maxWaitMs);
      this.finalScrapeWaiters.push(done);
    });
  }
}

function withoutEmpty(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter(([, v]) => v !== ''));
}

function listen(server: Server, host: string, port: number): Promise<void> {
  const where = formatHostPort(host, port);
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.removeListener('listening', onListening);
      reject(listenError(err, where, host));
    };
    const onListening = (): void => {
      server.removeListener('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host, port, exclusive: true });
  });
}

function listenError(err: NodeJS.ErrnoException, where: string, host: string): Error {
  switch (err.code) {
    case 'EADDRINUSE':
      return new UsageError(`--prometheus: ${where} is already in use (choose another port, or :0 for any free one)`);
    case 'EADDRNOTAVAIL':
      return new UsageError(`--prometheus: ${host} is not an address of this machine`);
    case 'EACCES':
      return new UsageError(`--prometheus: no permission to listen on ${where} (ports below 1024 need privileges)`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
      return new UsageError(`--prometheus: cannot resolve host '${host}'`);
    default:
      return new UsageError(`--prometheus: cannot listen on ${where}: ${err.message}`);
  }
}
