import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './helpers/cli.js';
import { requirePrometheusBinary } from './helpers/prometheus-server.js';

/**
 * The shipped alert rules are a valid rule file, and they fire (and stay quiet) as their
 * unit tests say: promtool evaluates them over synthetic series exactly as Prometheus would.
 */

const { bin, skip } = requirePrometheusBinary('promtool');
const DIR = join(ROOT, 'docs', 'prometheus');

function promtool(...args: string[]): { code: number | null; output: string } {
  const r = spawnSync(bin!, args, { cwd: DIR, encoding: 'utf8' });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

describe.skipIf(skip)('docs/prometheus/memkit-alerts.yml', () => {
  it('passes promtool check rules', () => {
    const r = promtool('check', 'rules', 'memkit-alerts.yml');
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/SUCCESS: 6 rules found/);
  });

  it('passes its unit tests (promtool test rules)', () => {
    const r = promtool('test', 'rules', 'memkit-alerts.test.yml');
    expect(r.code, r.output).toBe(0);
  });
});
