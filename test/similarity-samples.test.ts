import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRunData } from '../dist/src/samples/run-data.js';
import { readJson, readJsonl, runCli, tempDir } from './helpers/cli.js';

/**
 * similarity-build's child runs in memkit's one child runtime: its samples file speaks the
 * dialect of every other run (outside `proc` samples with `tMs`), so the reducer every
 * report uses reads it and `memkit report` charts its RSS; Ctrl-C goes through the
 * runtime's stop, as for gc-profile.
 */

const tmp = tempDir('memkit-sim-samples-');
afterAll(() => tmp.cleanup());

/** The JSON the report page's charts read. */
function pageData(htmlPath: string): any {
  const m = /<script type="application\/json" id="memkit-data">(.*?)<\/script>/s.exec(readFileSync(htmlPath, 'utf8'));
  return JSON.parse(m![1]!);
}

describe('a similarity run’s samples', () => {
  it('are read by readRunData and charted by memkit report, and the baseline’s figures come from them', async () => {
    const out = join(tmp.path, 'run');
    const built = await runCli(['similarity-build', '--synthetic', '2000x32', '--top-k', '5', '--interval', '10ms', '--out', out, '--no-progress']);
    expect(built.code, built.stderr).toBe(0);
    const baselinePath = join(out, 'baseline.json');
    const b = readJson(baselinePath);
    expect(b.runs[0].samplesFile).toBe('samples.jsonl');
    const samplesPath = resolve(dirname(baselinePath), b.runs[0].samplesFile);

    const records = readJsonl(samplesPath);
    expect(records.filter((r) => r.type === 'sample')).toEqual([]); // no second dialect
    const { data, badLines } = await readRunData(samplesPath);
    expect(badLines).toBe(0);
    expect(data.header?.runId).toBe(b.runId);
    expect(data.end?.status).toBe('complete');
    const rss = data.proc.rssBytes;
    expect(rss.length).toBe(records.filter((r) => r.type === 'proc').length);
    expect(rss.length).toBeGreaterThanOrEqual(3);
    // A Node process, measured from outside, in bytes (not kB or pages): the tree sampler
    // reads /proc at once, so its first sample can catch Node still starting (8 MB was seen).
    expect(Math.min(...rss)).toBeGreaterThan(2e6);
    expect(Math.max(...rss)).toBeGreaterThan(10e6);
    // The baseline's peak is the largest of the outside samples and the kernel's high-water mark.
    const hwm = data.rssHighWaterMark!.rssBytes;
    expect(b.metrics['similarity.rss_hwm_bytes'].value).toBe(hwm);
    expect(b.metrics['rss.peak_bytes'].value).toBe(Math.max(...rss, hwm));
    expect(hwm).toBeGreaterThanOrEqual(Math.max(...rss));
    expect(data.jobPhases.map((p) => p.phase)).toEqual(['loaded', 'computed', 'written']);
    expect((data.jobPhases[1] as unknown as { computeMs: number }).computeMs).toBe(b.metrics['similarity.compute_ms'].value);

    const html = join(tmp.path, 'run.html');
    const report = await runCli(['report', baselinePath, '--html', html]);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stderr).not.toMatch(/warning/);
    const [trace] = pageData(html).traces;
    expect(trace.rss.raw).toBe(rss.length);
    expect(Math.max(...trace.rss.v)).toBe(Math.max(...rss)); // the downsampling keeps the peak
  });

  it('Ctrl-C stops the child through the runtime: an interrupted baseline, its samples closed, exit 130', async () => {
    const out = join(tmp.path, 'int');
    const samples = join(out, 'samples.jsonl');
    let interrupted = false;
    // Long enough on one worker that it is still computing when interrupted.
    const r = await runCli(['similarity-build', '--synthetic', '12000x64', '--top-k', '5', '--workers', '1', '--out', out, '--no-progress'], {
      onSpawn: (child) => {
        const poll = setInterval(() => {
          if (!interrupted && existsSync(samples) && readJsonl(samples).some((x) => x.type === 'job-phase' && x.phase === 'loaded')) {
            interrupted = true;
            child.kill('SIGINT');
            clearInterval(poll);
          }
        }, 50);
        child.on('exit', () => clearInterval(poll));
      },
    });
    expect(interrupted).toBe(true);
    expect(r.code, r.stderr).toBe(130);
    const b = readJson(join(out, 'baseline.json'));
    expect(b.status).toBe('interrupted');
    expect(b.statusReason).toBe('interrupted by SIGINT');
    const records = readJsonl(samples);
    expect(records.some((x) => x.type === 'job-phase' && x.phase === 'computed')).toBe(false);
    expect(records.at(-1)).toMatchObject({ type: 'end', status: 'interrupted' });
    expect(records.filter((x) => x.type === 'proc').length).toBeGreaterThan(0);
  });
});
