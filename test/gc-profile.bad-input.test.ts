import { afterAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, runCli, tempDir } from './helpers/cli.js';

/** Bad input: exit 2, one line starting with "memkit: error:", no stack trace, no child run. */
const tmp = tempDir();
afterAll(() => tmp.cleanup());

const cases: Array<[string, string[], RegExp]> = [
  ['an unknown scenario', ['--scenario', 'no-such-scenario'], /unknown scenario 'no-such-scenario' \(built-in: [^;)]*\blru-cache, [^;)]*\bsmall-objects\b/],
  ['an unknown variant', ['--scenario', 'lru-cache', '--variant', 'fast'], /scenario lru-cache has no variant 'fast' \(variants: unstable-key, stable-key\)/],
  ['duration=abc', ['--duration', 'abc'], /--duration: 'abc' is not a duration/],
  ['a negative interval', ['--interval', '-5ms'], /--interval: '-5ms' must not be negative/],
  ['a zero repeat', ['--repeat', '0'], /--repeat: '0' must be greater than zero/],
  ['an unknown parameter', ['--param', 'colour=red'], /scenario lru-cache has no parameter 'colour'/],
  ['a parameter of the wrong type', ['--param', 'symbols=many'], /--param symbols=many: expected a number/],
  ['a parameter value the scenario rejects', ['--scenario', 'batch-writer', '--param', 'batchSize=0'], /scenario batch-writer: --param batchSize=0: expected a whole number ≥ 1/],
  ['a scenario file that throws on load', ['--scenario', join(FIXTURES, 'scenarios', 'throws-on-load.js')], /failed to load: config\.yaml not found/],
  ['a module that is not a scenario', ['--scenario', join(FIXTURES, 'scenarios', 'not-a-scenario.js')], /has no "name"/],
  ['a missing scenario file', ['--scenario', './nowhere/my.scenario.js'], /scenario file \.\/nowhere\/my\.scenario\.js: no such file/],
  ['a TypeScript scenario file', ['--scenario', join(FIXTURES, 'scenarios', 'x.ts')], /Node 20 cannot run TypeScript directly/],
  ['an unknown option', ['--frobnicate'], /unknown option '--frobnicate'/],
  ['both a scenario and a command', ['--scenario', 'lru-cache', '--', 'node', '-e', '0'], /either a scenario .* or a command/],
  ['a command that does not exist', ['--duration', '1', '--', 'no-such-binary-xyz'], /cannot run 'no-such-binary-xyz': command not found/],
];

describe('gc-profile bad input', () => {
  writeFileSync(join(FIXTURES, 'scenarios', 'x.ts'), 'export default {}\n');
  it.each(cases)('%s → exit 2 and one clear line', async (_name, args, message) => {
    const r = await runCli(['gc-profile', '--no-progress', '--out', join(tmp.path, 'b.json'), ...args]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('(run with --help'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^memkit: error: /);
    expect(lines[0]).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('--out into a folder that cannot be created → exit 2 before any child runs', async () => {
    const file = join(tmp.path, 'a-file');
    writeFileSync(file, 'x');
    const r = await runCli(['gc-profile', '--duration', '1', '--no-progress', '--out', join(file, 'sub', 'b.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^memkit: error: cannot create the folder for .*a-file\/sub\/b\.json: .*not a directory/);
  });

  it('--debug adds the stack trace', async () => {
    const r = await runCli(['--debug', 'gc-profile', '--scenario', join(FIXTURES, 'scenarios', 'throws-on-load.js')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\n\s+at /);
  });
});
