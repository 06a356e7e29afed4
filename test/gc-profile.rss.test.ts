import { afterAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readJson, readJsonl, runCli, tempDir } from './helpers/cli.js';
import { vmRss } from './helpers/proc.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());


describe('RSS sampled from outside', () => {
  it.runIf(process.platform === 'linux')('matches /proc/<pid>/status VmRSS read at about the same moment', async () => {
    const out = join(tmp.path, 'rss.json');
    const truth: Array<{ tMs: number; rss: number }> = [];
    // A scenario whose RSS is steady, so a few milliseconds between two readings cannot matter.
    await runCli(['gc-profile', '--scenario', 'lru-cache', '--variant', 'stable-key', '--duration', '3s', '--no-progress', '--out', out], {
      onSpawn: (child) => {
        const samples = out.replace(/\.json$/, '.jsonl');
        let pid: number | undefined;
        const poll = setInterval(() => {
          if (pid === undefined && existsSync(samples)) pid = readJsonl(samples).find((x) => x.type === 'hello')?.pid;
          if (pid === undefined) return;
          const rss = vmRss(pid);
          if (rss !== undefined) truth.push({ tMs: Date.now(), rss });
        }, 23);
        child.on('exit', () => clearInterval(poll));
      },
    });
    const b = readJson(out);
    const proc = readJsonl(join(tmp.path, b.runs[0].samplesFile)).filter((x) => x.type === 'proc');
    expect(truth.length, 'kernel readings').toBeGreaterThan(10);
    expect(proc.length, 'memkit samples').toBeGreaterThan(10);
    // Compare each memkit sample with the kernel's readings just before and just after it
    // (each within 30 ms): RSS at the sample's moment lies between them, so memkit's value
    // must be within 2 % of that range. The pairing window is loose on a busy machine; the
    // tolerance on the value is not. Left out, because RSS really moves by MB there within
    // milliseconds: the window's first 300 ms (a run commits young generation and compiled
    // code; 6 ms apart two readings once differed by 1.9 MB), its last 50 ms (the end GC and
    // the exit), and any pair with a GC between its readings or within 20 ms before them
    // (V8 commits and releases semi-space pages at a scavenge, and its unmapper frees pages
    // on a background thread just after one; 2 ms apart two readings once differed by 3.4 %).
    const lines = readJsonl(join(tmp.path, b.runs[0].samplesFile));
    const marks = lines.filter((x) => x.type === 'mark');
    const start = marks.find((x) => x.label === 'measure-start').tMs;
    const end = marks.find((x) => x.label === 'measure-end').tMs;
    const gcSpans: Array<[number, number]> = [];
    for (const g of lines.filter((x) => x.type === 'gc')) {
      const starts: number[] = [].concat(g.tMs);
      const pauses: number[] = [].concat(g.pauseMs);
      starts.forEach((t, i) => gcSpans.push([t, t + pauses[i] + 20]));
    }
    const gcBetween = (a: number, z: number): boolean => gcSpans.some(([s0, s1]) => s0 <= z + 2 && s1 >= a - 2);
    let compared = 0;
    let skippedForGc = 0;
    for (const s of proc.filter((p) => p.tMs > start + 300 && p.tMs < end - 50)) {
      const before = truth.filter((t) => t.tMs <= s.tMs && s.tMs - t.tMs <= 30).pop();
      const after = truth.find((t) => t.tMs >= s.tMs && t.tMs - s.tMs <= 30);
      const around = [before, after].filter((t) => t !== undefined);
      if (around.length === 0) continue;
      const firstMs = Math.min(s.tMs, ...around.map((t) => t.tMs));
      const lastMs = Math.max(s.tMs, ...around.map((t) => t.tMs));
      if (gcBetween(firstMs, lastMs)) {
        skippedForGc++;
        continue;
      }
      compared++;
      const lo = Math.min(...around.map((t) => t.rss));
      const hi = Math.max(...around.map((t) => t.rss));
      const offBytes = s.rssBytes < lo ? lo - s.rssBytes : s.rssBytes > hi ? s.rssBytes - hi : 0;
      const why = `memkit ${s.rssBytes} B vs VmRSS ${around.map((t) => `${t.rss} B at ${(t.tMs - s.tMs).toFixed(1)} ms`).join(', ')}`;
      expect(offBytes / lo, why).toBeLessThan(0.02);
    }
    expect(skippedForGc, 'pairs left out for a GC between their readings').toBeLessThan(compared);
    expect(compared, 'pairs within 30 ms').toBeGreaterThanOrEqual(5);
    // The window's edges are the child's own readings at its marks, not the outside samples
    // nearest them (see MarkMessage.rssBytes); the ones in between come from outside.
    const startMark = marks.find((x) => x.label === 'measure-start');
    const endMark = marks.find((x) => x.label === 'measure-end');
    expect(b.metrics['rss.start_bytes'].value).toBe(startMark.rssBytes);
    expect(b.metrics['rss.end_bytes'].value).toBe(endMark.rssBytes);
    expect(b.metrics['rss.growth_bytes'].value).toBe(endMark.rssBytes - startMark.rssBytes);
    // The end reading is taken before memkit's end-of-window GC: it agrees with the last
    // outside sample inside the window (up to one sampling interval earlier, so a scavenge
    // may lie between them; hence 5 %, not 2 %).
    const lastInside = proc.filter((p) => p.tMs < end).pop();
    expect(Math.abs(endMark.rssBytes - lastInside.rssBytes) / lastInside.rssBytes).toBeLessThan(0.05);
  });
});
