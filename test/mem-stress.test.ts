import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, readJson, readJsonl, runCli, tempDir } from './helpers/cli.js';
import { readBaseline } from '../src/baseline/io.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const fixture = (name: string) => join(FIXTURES, 'scenarios', name);

describe('mem-stress latency', () => {
  it('open loop counts stalls from each step\'s intended start; closed loop hides them', async () => {
    const args = ['mem-stress', '--scenario', fixture('stall.js'), '--duration', '2s', '--warmup', '0', '--no-progress'];
    const [open, closed] = await Promise.all([
      runCli([...args, '--rate', '1000', '--out', join(tmp.path, 'open.json')]),
      runCli([...args, '--signals', '2000', '--out', join(tmp.path, 'closed.json')]),
    ]);
    expect(open.code, open.stderr).toBe(0);
    expect(closed.code, closed.stderr).toBe(0);
    const o = readJson(join(tmp.path, 'open.json')).metrics;
    const c = readJson(join(tmp.path, 'closed.json')).metrics;
    // A 60 ms stall every 200 steps at 1000 steps/s delays the ~60 steps due during it.
    expect(o['latency.p95_ms'].value).toBeGreaterThan(20);
    expect(o['latency.max_ms'].value).toBeGreaterThan(55);
    // Closed loop: 1 slow step in 200 is beyond the 99th percentile.
    expect(c['latency.p99_ms'].value).toBeLessThan(5);
    expect(c['latency.max_ms'].value).toBeGreaterThan(55);
    expect(c['ops.count'].value).toBe(2000);
  });
});

describe('mem-stress phases and warm-up', () => {
  it('names the bottleneck phase and leaves warm-up out of the latency', async () => {
    const out = join(tmp.path, 'phased.json');
    const r = await runCli(['mem-stress', '--scenario', fixture('phased.js'), '--signals', '3000', '--warmup', '1000', '--no-progress', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/bottleneck: write \(> 50 % of the time\)/);
    const b = readJson(out);
    const phases = b.extra.runs[0].phases;
    expect(phases.bottleneck).toBe('write');
    expect(phases.phases.map((p: any) => p.name)).toEqual(['fetch', 'transform', 'write']);
    expect(phases.phases.find((p: any) => p.name === 'write').count).toBe(2000);
    expect(b.extra.runs[0].latency.count).toBe(2000);
    expect(b.metrics['phase.write.share_ratio'].value).toBeGreaterThan(0.5);
    const samples = readJsonl(join(tmp.path, b.runs[0].samplesFile));
    expect(samples.find((x) => x.type === 'mark' && x.label === 'warmup-end').steps).toBe(1000);
  });
});

describe('mem-stress assertions', () => {
  it('prints each assertion with the measured value and exits 1 when one fails', async () => {
    const out = join(tmp.path, 'assert.json');
    const r = await runCli([
      'mem-stress', '--scenario', 'lru-cache', '--variant', 'stable-key', '--duration', '1.5s', '--no-progress', '--out', out,
      // Thresholds far from the measured values: this tests the assertions, not the machine.
      '--assert', 'custom.cache.hit_ratio>0.8', '--assert', 'gc.pause.p95_ms<60s', '--assert', 'rss.peak_bytes<1KB',
    ]);
    expect(r.code).toBe(1);
    const b = readJson(out);
    // The measured column shows the run's own hit ratio (the baseline's), to 4 places and
    // as a percentage. Which ratio that is depends on how many steps a busy machine
    // managed (24 warm-up misses in 372,576 lookups print as 0.9999), not on the table.
    const hitRatio: number = b.metrics['custom.cache.hit_ratio'].value;
    expect(hitRatio).toBeGreaterThan(0.8);
    const shown = `${hitRatio.toFixed(4)} (${(hitRatio * 100).toFixed(1)}%)`.replace(/[.()]/g, '\\$&');
    expect(r.stdout).toMatch(new RegExp(`custom\\.cache\\.hit_ratio>0\\.8\\s+│\\s+${shown}\\s+│ pass`));
    expect(r.stdout).toMatch(/rss\.peak_bytes<1KB\s+│\s+[\d.]+ MB\s+│ FAIL/);
    expect(r.stderr).toMatch(/memkit: 1 of 3 assertions failed: rss\.peak_bytes<1KB/);
    expect(b.extra.assertions.map((a: any) => a.pass)).toEqual([true, true, false]);
  });

  it('exits 0 when every assertion holds', async () => {
    const r = await runCli([
      'mem-stress', '--scenario', 'lru-cache', '--variant', 'stable-key', '--signals', '20000', '--no-progress',
      '--out', join(tmp.path, 'ok.json'), '--assert', 'custom.cache.hit_ratio>=80%', '--assert', 'ops.count==20000',
    ]);
    expect(r.code, r.stderr).toBe(0);
  });

  it.each([
    ['rss.grwth_bytes<5MB', /unknown metric 'rss\.grwth_bytes' \(known: .*rss\.growth_bytes.*\)/],
    ['rss.growth_bytes~5MB', /expected <metric><op><value>/],
    ['rss.growth_bytes<5 parsecs', /'5 parsecs' is not a size/],
    ['latency.p95_ms<=fast', /'fast' is not a duration/],
  ])('%s → exit 2 before anything runs', async (expr, message) => {
    const r = await runCli(['mem-stress', '--assert', expr, '--duration', '1', '--no-progress', '--out', join(tmp.path, 'x.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^memkit: error: /);
    expect(r.stderr).toMatch(message);
    expect(existsSync(join(tmp.path, 'x.jsonl'))).toBe(false);
  });
});

describe('long runs lose nothing', () => {
  it('SIGKILL of memkit mid-run leaves a valid partial baseline (rewritten every --save-every)', async () => {
    const out = join(tmp.path, 'killed.json');
    const r = await runCli(
      ['mem-stress', '--scenario', 'lru-cache', '--variant', 'stable-key', '--duration', '60s', '--save-every', '300ms', '--no-progress', '--out', out],
      {
        onSpawn: (child) => {
          // Kill once a partial baseline with steps in it is on disk (however slow the machine).
          const poll = setInterval(() => {
            let steps = 0;
            try {
              steps = readJson(out).metrics['ops.count']?.value ?? 0;
            } catch {
              // not written yet, or being replaced: rename is atomic, so this is "not yet"
            }
            if (steps > 0) {
              clearInterval(poll);
              child.kill('SIGKILL');
            }
          }, 50);
          child.on('exit', () => clearInterval(poll));
        },
      },
    );
    expect(r.signal).toBe('SIGKILL');
    const b = readBaseline(out); // validated as a memkit.baseline/1 document
    expect(b.status).toBe('interrupted');
    expect(b.notes.join(' ')).toMatch(/partial/);
    expect(b.metrics['ops.count']!.value).toBeGreaterThan(0);
    expect(b.metrics['gc.count.minor']).toBeDefined();
    // The child noticed memkit was gone and stopped by itself (an exited child whose
    // parent died may linger as a zombie until init reaps it: that is gone too).
    const pid = readJsonl(out.replace(/\.json$/, '.jsonl')).find((x) => x.type === 'hello').pid;
    const alive = () => {
      try {
        return !/State:\s+Z/.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 100 && alive(); i++) await new Promise((res) => setTimeout(res, 100));
    expect(alive()).toBe(false);
  });

  it('logs plain progress lines on a non-TTY', async () => {
    const r = await runCli([
      'mem-stress', '--scenario', 'lru-cache', '--variant', 'stable-key', '--signals', '3000000', '--progress-every', '300ms',
      '--out', join(tmp.path, 'progress.json'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^Progress: \d+\/3000000 signals \(\d+\.\d%\)/m);
  });
});
