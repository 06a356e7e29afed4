import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { FIXTURES, readJson, runCli, tempDir } from './helpers/cli.js';

/** The same work done right is never called a leak, run after run. */
const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('mem-stress does not call clean programs leaks', () => {
  it.concurrent.each(['map-cache', 'listeners', 'timer-buffers', 'promises'])('%s (clean), 3 runs', async (variant) => {
    const out = join(tmp.path, `${variant}.json`);
    const r = await runCli([
      'mem-stress', '--scenario', join(FIXTURES, 'scenarios', 'leaks.js'), '--variant', variant, '--param', 'leak=false',
      '--rate', '500', '--duration', '2.5s', '--warmup', '1s', '--repeat', '3', '--no-progress', '--out', out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const b = readJson(out);
    expect(b.runs).toHaveLength(3);
    const verdicts = b.extra.runs.map((x: any) => x.leak.verdict);
    expect(verdicts).not.toContain('leak');
    expect(verdicts.filter((v: string) => v === 'no leak').length).toBeGreaterThanOrEqual(2);
    expect(b.extra.leak.verdict).not.toBe('leak');
  });
});
