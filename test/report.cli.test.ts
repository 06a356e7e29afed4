import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, readJson, readJsonl, tempDir } from './helpers/cli.js';
import { formatBytes } from '../src/units/format.js';
// @ts-expect-error a plain .mjs module without types (the benchmark's generator)
import { writeSyntheticRun } from '../bench/report-synthetic.mjs';

/**
 * `memkit report` from the command line, on synthetic runs written exactly as the runner
 * writes real ones (bench/report-synthetic.mjs): what the page carries, how long runs are
 * reduced, and every kind of bad input as one line and exit 2.
 */

const tmp = tempDir('memkit-report-cli-');
const file = (name: string) => join(tmp.path, name);
let run: { baselinePath: string; samplesPath: string };

/**
 * The CLI entry the bin runs (dist/src/cli/main.js), called in this process: exit code,
 * stdout and stderr as the bin gives them, without a node start-up per case (the suite
 * shares two cores). The bin itself is spawned where the process matters (a TTY here; the
 * browser test runs it for every page it opens).
 */
async function inProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { main } = await import('../dist/src/cli/main.js');
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  const saved = process.exitCode;
  process.exitCode = undefined;
  try {
    await main(['node', 'memkit', ...args]);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = saved;
  return { code, stdout, stderr };
}

/** The JSON the page's charts read. */
function pageData(htmlPath: string): any {
  const m = /<script type="application\/json" id="memkit-data">(.*?)<\/script>/s.exec(readFileSync(htmlPath, 'utf8'));
  return JSON.parse(m![1]!);
}

beforeAll(async () => {
  run = await writeSyntheticRun(tmp.path, 'soak', { durationMs: 60_000, seed: 11 });
}, 30_000);
afterAll(() => tmp.cleanup());

describe('memkit report --html', () => {
  it('writes one self-contained page: no external script, style, image or link', async () => {
    const r = await inProcess(['report', run.baselinePath, '--html', file('out/soak.html')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^report written: .*soak\.html \(\d+(\.\d+)? KB\)\n$/);
    const page = readFileSync(file('out/soak.html'), 'utf8');
    expect(page).not.toMatch(/<script[^>]+src=|<link\b|<img\b|<iframe\b|@import|url\(/i);
    expect(page.match(/<script\b/g)!.length).toBe(3);
    expect(readdirSync(file('out'))).toEqual(['soak.html']); // written atomically: no temp file left
  });

  it('reduces a long series to the requested resolution and keeps its real peaks', async () => {
    const r = await inProcess(['report', run.baselinePath, '--html', file('coarse.html'), '--max-points', '40']);
    expect(r.code, r.stderr).toBe(0);
    const [trace] = pageData(file('coarse.html')).traces;
    const records = readJsonl(run.samplesPath);
    const rss = records.filter((x) => x.type === 'proc').map((x) => x.rssBytes as number);
    const heap = records.filter((x) => x.type === 'mem').flatMap((x) => x.heapUsed as number[]);
    expect(trace.rss.raw).toBe(rss.length);
    expect(trace.rss.tS.length).toBeLessThanOrEqual(4 * 40);
    expect(trace.rss.tS.length).toBeLessThan(rss.length / 3);
    // M4 keeps each bucket's extremes: the drawn peak and trough are the run's own.
    expect(Math.max(...trace.rss.v)).toBe(Math.max(...rss));
    expect(Math.min(...trace.rss.v)).toBe(Math.min(...rss));
    expect(Math.max(...trace.heapUsed.v)).toBe(Math.max(...heap));
    // Every GC of the run is counted in the frequency chart.
    const gcCount = records.filter((x) => x.type === 'gc').reduce((n, x) => n + x.tMs.length, 0);
    const bucketS = trace.gc.rate.bucketS;
    let counted = 0;
    for (const perMin of Object.values(trace.gc.rate.perMin) as number[][]) {
      perMin.forEach((v, b) => {
        const start = trace.gc.rate.tS[b];
        const width = Math.min(bucketS, trace.toS - start);
        counted += (v * width) / 60;
      });
    }
    expect(counted).toBeCloseTo(gcCount, 1); // per-minute rates are rounded to 3 decimals
  });

  it('charts the allocation rate so that it adds up to the baseline figure', async () => {
    const r = await inProcess(['report', run.baselinePath, '--html', file('alloc.html')]);
    expect(r.code, r.stderr).toBe(0);
    const [trace] = pageData(file('alloc.html')).traces;
    const b = readJson(run.baselinePath);
    const perOp = b.metrics['alloc.bytes_per_op'].value * b.metrics['ops.count'].value;
    expect(trace.alloc.totalBytes).toBeCloseTo(perOp, -1);
    expect(trace.alloc.totalBytes / (b.metrics.duration_ms.value / 1000)).toBeCloseTo(b.metrics['alloc.rate_bytes_per_s'].value, -1);
  });

  it('refuses bad input with one line and exit 2', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['report'], /missing required argument 'baseline'/],
      [['report', file('none.json'), '--html', file('x.html')], /none\.json: no such file or directory/],
      [['report', tmp.path, '--html', file('x.html')], /is a directory, expected a file/],
      [['report', file('notes.json'), '--html', file('x.html')], /notes\.json: not a memkit baseline/],
      [['report', run.baselinePath, '--html', run.baselinePath], /--html .*soak\.json: that is one of the report's inputs/],
      [['report', run.baselinePath, '--html', run.samplesPath], /that is one of the report's inputs/],
      [['report', run.baselinePath, '--max-points', 'lots', '--html', file('x.html')], /--max-points: 'lots' is not a whole number/],
      [['report', run.baselinePath, '--max-points', '3', '--html', file('x.html')], /--max-points: 3 is too few/],
      [['report', run.baselinePath, run.baselinePath], /comparing two runs needs --html FILE/],
      [['report', run.baselinePath, '--html', join(run.baselinePath, 'x.html')], /cannot create the folder for/],
      [['report', run.baselinePath, run.baselinePath, run.baselinePath, '--html', file('x.html')], /too many arguments/],
    ];
    writeFileSync(file('notes.json'), '{"hello": "world"}');
    for (const [args, message] of cases) {
      const r = await inProcess(args);
      expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr, args.join(' ')).toMatch(/^memkit: error: /);
      expect(r.stderr.trim().split('\n').length, r.stderr).toBeLessThanOrEqual(2); // commander adds "(run with --help for usage)"
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
  });

  it('gc-profile refuses an --html path that is its own --out before running anything', async () => {
    const r = await inProcess(['gc-profile', '--duration', '1s', '--out', file('same.json'), '--html', file('same.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^memkit: error: --html .*same\.json: that is the baseline's own file/);
    expect(readdirSync(tmp.path)).not.toContain('same.json');
  });
});

describe('memkit report in the terminal', () => {
  it('prints the tables, and no sparkline when stdout is not a terminal', async () => {
    const r = await inProcess(['report', run.baselinePath]); // vitest's stdout is not a TTY
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('GC by kind');
    expect(r.stdout).toContain('Custom metrics');
    expect(r.stdout).not.toMatch(/[▁▂▃▄▅▆▇█]/);
  });

  it('adds a sparkline of RSS and heap under the tables on a terminal', () => {
    // `script` gives memkit a pseudo-terminal, as an interactive shell would.
    const out = execFileSync('script', ['-qec', `${process.execPath} ${BIN} report ${run.baselinePath}`, '/dev/null'], {
      env: { ...process.env, NO_COLOR: '1', COLUMNS: '110' },
      encoding: 'utf8',
    });
    const b = readJson(run.baselinePath);
    const lines = out.split(/\r?\n/);
    const rss = lines.find((l) => l.startsWith('RSS  '));
    const heap = lines.find((l) => l.startsWith('heap '));
    expect(rss, out).toMatch(/^RSS {3}[▁▂▃▄▅▆▇█]{10,60} {2}\S+ \S+ → \S+ \S+, peak \S+ \S+$/);
    expect(heap, out).toMatch(/^heap  [▁▂▃▄▅▆▇█]{10,60} /);
    // The figures beside it are the run's: the peak RSS is the baseline's rss.peak_bytes.
    expect(rss).toContain(`peak ${formatBytes(b.metrics['rss.peak_bytes'].value)}`);
  });
});
