import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJson, readJsonl, runCli, tempDir } from './helpers/cli.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** VmRSS of a live process as the kernel reports it, in bytes. */
function vmRss(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

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
    // Compare each memkit sample with the kernel's reading closest in time (within 30 ms),
    // once RSS is steady. The pairing window is loose on a busy machine; the tolerance on
    // the value is not. Steady means after the window's first few hundred ms: a run commits
    // several MB then (young generation, compiled code), and 6 ms apart two readings once
    // differed by 1.9 MB there.
    const marks = readJsonl(join(tmp.path, b.runs[0].samplesFile)).filter((x) => x.type === 'mark');
    const start = marks.find((x) => x.label === 'measure-start').tMs;
    // Before the end: the end checkpoint's GC and the exit change RSS within milliseconds.
    const end = marks.find((x) => x.label === 'measure-end').tMs;
    let compared = 0;
    for (const s of proc.filter((p) => p.tMs > start + 300 && p.tMs < end - 50)) {
      const near = truth.reduce((best, t) => (Math.abs(t.tMs - s.tMs) < Math.abs(best.tMs - s.tMs) ? t : best));
      if (Math.abs(near.tMs - s.tMs) > 30) continue;
      compared++;
      const why = `memkit ${s.rssBytes} B vs VmRSS ${near.rss} B, ${(near.tMs - s.tMs).toFixed(1)} ms apart`;
      expect(Math.abs(near.rss - s.rssBytes) / near.rss, why).toBeLessThan(0.02);
    }
    expect(compared, 'pairs within 30 ms').toBeGreaterThanOrEqual(5);
    // The window's edges are the child's own readings at its marks, not the outside samples
    // nearest them (see MarkMessage.rssBytes); the ones in between come from outside.
    const startMark = marks.find((x) => x.label === 'measure-start');
    const endMark = marks.find((x) => x.label === 'measure-end');
    expect(b.metrics['rss.start_bytes'].value).toBe(startMark.rssBytes);
    expect(b.metrics['rss.end_bytes'].value).toBe(endMark.rssBytes);
    expect(b.metrics['rss.growth_bytes'].value).toBe(endMark.rssBytes - startMark.rssBytes);
    // The end reading is taken before memkit's end-of-window GC, while RSS is steady: it
    // agrees with the last outside sample inside the window.
    const lastInside = proc.filter((p) => p.tMs < end).pop();
    expect(Math.abs(endMark.rssBytes - lastInside.rssBytes) / lastInside.rssBytes).toBeLessThan(0.02);
  });
});
