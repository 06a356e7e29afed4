import { afterAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, readJson, readJsonl, runCli, tempDir } from './helpers/cli.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('a child that runs out of heap', () => {
  it('exits 3, names the heap limit in one line, and keeps every sample in a crashed baseline', async () => {
    const out = join(tmp.path, 'oom.json');
    const r = await runCli([
      'gc-profile', '--scenario', join(FIXTURES, 'scenarios', 'grow-forever.js'), '--node-arg=--max-old-space-size=64',
      '--duration', '60s', '--interval', '50ms', '--no-progress', '--out', out,
    ]);
    expect(r.code).toBe(3);
    const reason = r.stderr.split('\n').filter((l) => l.startsWith('memkit: '));
    expect(reason).toHaveLength(1);
    expect(reason[0]).toMatch(/ran out of V8 heap memory \(--max-old-space-size=64, V8 heap limit \d+ MiB\)/);

    const b = readJson(out);
    expect(b.status).toBe('crashed');
    expect(b.statusReason).toMatch(/--max-old-space-size=64/);
    expect(b.runs[0].stderrTail).toMatch(/heap out of memory/);
    expect(b.metrics['heap.used.peak_bytes'].value).toBeGreaterThan(40e6); // it got close to the 64 MB limit
    expect(b.metrics['rss.peak_bytes'].value).toBeGreaterThan(b.metrics['rss.start_bytes'].value);

    // Every batch the child sent before it died is in the samples file, in order, and the
    // last of them came shortly before the end: measured in heap, not in time. The
    // scenario only grows, so its last tick saw the heap close to the 64 MB limit — on a
    // busy machine the child's last ticks come late (the final mark-compacts run no JS),
    // but they still come, and a lost last batch leaves the file ending far below.
    const records = readJsonl(join(tmp.path, b.runs[0].samplesFile));
    const mem = records.filter((x) => x.type === 'mem').flatMap((x) => x.tMs as number[]);
    const end = records.find((x) => x.type === 'end');
    expect(end.status).toBe('crashed');
    expect(mem.length).toBeGreaterThanOrEqual(3);
    expect([...mem].sort((a, b) => a - b)).toEqual(mem);
    expect(end.tMs).toBeGreaterThanOrEqual(mem[mem.length - 1]!);
    const heapSamples = records.filter((x) => x.type === 'mem').flatMap((x) => x.heapUsed as number[]);
    expect(heapSamples[heapSamples.length - 1]).toBeGreaterThan(40e6);
    // The baseline's figures come from those samples: its peak is the largest one sent.
    expect(b.metrics['heap.used.peak_bytes'].value).toBeGreaterThanOrEqual(Math.max(...heapSamples.slice(1)));
  });
});

describe('Ctrl-C (SIGINT) to memkit mid-run', () => {
  it('stops the child, writes an interrupted baseline and exits 130', async () => {
    const out = join(tmp.path, 'int.json');
    let killed = false;
    const r = await runCli(['gc-profile', '--scenario', 'lru-cache', '--variant', 'stable-key', '--duration', '60s', '--no-progress', '--out', out], {
      onSpawn: (child) => {
        // Interrupt once the measured window has begun (the samples file has its start mark).
        const poll = setInterval(() => {
          const samples = out.replace(/\.json$/, '.jsonl');
          if (!killed && existsSync(samples) && readJsonl(samples).some((x) => x.type === 'mark' && x.label === 'measure-start')) {
            killed = true;
            setTimeout(() => child.kill('SIGINT'), 500);
            clearInterval(poll);
          }
        }, 100);
        child.on('exit', () => clearInterval(poll));
      },
    });
    expect(killed).toBe(true);
    expect(r.code).toBe(130);
    const b = readJson(out);
    expect(b.status).toBe('interrupted');
    expect(b.statusReason).toMatch(/SIGINT/);
    expect(b.durationMs).toBeGreaterThan(300);
    expect(b.durationMs).toBeLessThan(30_000);
    expect(b.metrics['gc.count.minor']).toBeDefined();
    expect(b.metrics['ops.count'].value).toBeGreaterThan(0);
    const records = readJsonl(join(tmp.path, b.runs[0].samplesFile));
    expect(records.find((x) => x.type === 'done')?.reason).toBe('stopped');
  });
});
