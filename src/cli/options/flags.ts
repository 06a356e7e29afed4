import { flag, type RawOf } from './flag.js';

/**
 * Every flag more than one command takes, in one table (the way vitest keeps its CLI
 * options): one spelling and one wording each. A key is the name commander stores the
 * value under, which test/cli-options.test.ts checks against commander itself. Flags
 * only one command takes stay in that command's module.
 */
export const FLAGS = {
  // What to measure.
  scenario: flag<string | undefined>('-s, --scenario <name|file>', 'built-in scenario name or path to your own .js scenario module'),
  variant: flag<string | undefined>('--variant <name>', "scenario variant (default: the scenario's default variant)"),
  param: flag<string[]>('-p, --param <key=value>', 'set a scenario parameter; repeatable', { repeatable: true }),
  process: flag<string>(
    '--process <which>',
    "a command's processes the metrics describe: all, main, largest, a pid, or part of a command line (summed)",
  ),

  // How long, how often, how many times, and the child's own flags.
  duration: flag<string | undefined>('-d, --duration <time>', 'how long to run the steps: 600 (seconds), 30s, 10m, 1h'),
  interval: flag<string>('-i, --interval <time>', 'how often to sample the measured child'),
  repeat: flag<string>('-r, --repeat <n>', 'measure n times; every run is kept so `memkit diff` can test significance'),
  nodeArg: flag<string[]>('--node-arg <flag>', 'extra flag for the child node process, repeatable: --node-arg=--max-old-space-size=64', {
    repeatable: true,
  }),
  memoryLimit: flag<string | undefined>(
    '--memory-limit <size>',
    "a command: kill its processes when their RSS together reaches this (e.g. 512MB), as a container's limit would; " +
      'at 90 % memkit first asks each process for its last figures and, where its heap is small, a heap snapshot',
  ),
  sweep: flag<string | undefined>(
    '--sweep <spec>',
    "measure each setting --repeat times, interleaved round by round, one baseline each, and compare every setting with the first: " +
      "'gc.threshold=700,10,10|7000,10,10' or 'gc.freeze=off|on' (a Python command), 'node-arg=--max-semi-space-size=1|16'",
  ),
  timeout: flag<string | undefined>(
    '--timeout <time>',
    'stop the child (run counts as crashed) if it has not finished by then (default: duration x 1.5 + 60s)',
  ),

  // Allocation sites (V8's sampling heap profiler in the measured processes).
  allocSites: flag<true | undefined>('--alloc-sites', 'sample where the program allocates (function and stack), with V8\'s sampling heap profiler in every measured Node process, tracemalloc\'s live blocks in a Python one'),
  allocInterval: flag<string | undefined>('--alloc-interval <size>', 'with --alloc-sites: one sample per this many bytes allocated, on average (default 512KiB, V8\'s own)'),
  allocNoInline: flag<true | undefined>('--alloc-no-inline', "with --alloc-sites: turn V8's inlining off in the measured isolates, so a small function called in a hot loop is its own site and not its caller's (slower)"),
  pprof: flag<string | undefined>('--pprof <file>', 'with --alloc-sites: also write the sites as a gzipped pprof profile (go tool pprof, Pyroscope, speedscope)'),
  folded: flag<string | undefined>('--folded <file>', 'with --alloc-sites: also write collapsed stacks of the allocated bytes (flamegraph.pl, inferno, speedscope)'),

  // What is written and printed.
  out: flag<string | undefined>('-o, --out <file>', 'baseline file to write'),
  json: flag<true | undefined>('--json', 'print JSON on stdout instead of the tables (the baseline, where the command writes one)'),
  html: flag<string | undefined>('--html <file>', 'write an HTML report with charts to this file (see memkit report)'),
  progress: flag<boolean>('--no-progress', 'no spinner (TTY) or progress lines (otherwise)'),
  limit: flag<string>('--limit <n>', 'rows to list in each table'),

  // The heap engine.
  dominators: flag<string>('--dominators <rule>', "edge rules for retained sizes: 'devtools' or 'memlab' (see README)"),
  minSize: flag<string>('--min-size <size>', 'list leak groups retaining at least this much'),
  failOnLeak: flag<string | undefined>('--fail-on-leak <size>', 'exit 1 when the leaks found retain more than this (e.g. 1MB)'),

  // Live metrics (docs/prometheus.md).
  prometheus: flag<string | true | undefined>(
    '--prometheus [host:port]',
    'serve live metrics on http://host:port/metrics while it runs (default 127.0.0.1:9464; loopback unless you write another host)',
  ),
  prometheusLinger: flag<string | undefined>(
    '--prometheus-linger <time>',
    'after the last run, serve until Prometheus has scraped the final values, at most this long (default 15s)',
  ),

  // Load for a service (mem-stress -- node server.js): src/load/, profile/load-driver.ts.
  http: flag<string[]>('--http <url>', 'open-loop HTTP load: GET this URL at --rate per second while the program runs; repeatable (round robin)', {
    repeatable: true,
  }),
  httpFile: flag<string | undefined>('--http-file <file>', 'requests to send round robin: a JSON list of {method, path | url, headers, body}'),
  connections: flag<string | undefined>('--connections <n>', 'sockets per origin at most for --http; opened only as concurrency needs them'),
  httpTimeout: flag<string | undefined>('--http-timeout <time>', 'a request with no response this long after it went out (or a body stalled this long) counts as an error (timeout)'),
  listenTimeout: flag<string | undefined>('--listen-timeout <time>', 'exit 3 if the program is not ready (accepting connections) by then'),
  readyUrl: flag<string | undefined>('--ready-url <url>', 'with --load: start it once this URL accepts connections (default: the first --http URL, else the first agent hello)'),
  load: flag<string | undefined>('--load <command>', 'run your own load generator (a shell command line) beside the program for the window; not measured'),
} as const;

export type FlagName = keyof typeof FLAGS;

/** The raw values of some of the table's flags, as an action receives them. */
export type Raw<K extends FlagName> = RawOf<Pick<typeof FLAGS, K>>;
