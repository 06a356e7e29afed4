import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FLAGS } from '../src/cli/options/flags.js';

/**
 * The command-line option table: a key is where commander stores the flag's value (the
 * raw option types are derived from the keys, so a wrong key would be a silently
 * undefined option), and a flag of the table is declared nowhere else.
 */
const { Option } = createRequire(import.meta.url)('commander') as typeof import('commander');

describe('FLAGS', () => {
  it.each(Object.entries(FLAGS))('%s is the name commander stores it under', (key, f) => {
    expect(new Option(f.flags, f.description).attributeName()).toBe(key);
  });

  it('each flag of the table is declared only through it', () => {
    const files = ['src/commands', 'src/cli'].flatMap((dir) =>
      readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f)),
    );
    // similarity-build's --out names a folder of neighbour files (its baseline is --baseline), not a baseline file.
    const elsewhere = (long: string, text: string) =>
      [...text.matchAll(/\.(?:option|requiredOption)\(\s*'([^']*)'/g)].map((m) => m[1]!).filter((flags) => flags.split(/[ ,]+/).includes(long) && flags !== '--out <dir>');
    for (const f of Object.values(FLAGS)) {
      const long = f.flags.split(/[ ,]+/).find((p) => p.startsWith('--'))!;
      for (const file of files) {
        if (file.endsWith('flags.ts')) continue;
        expect(elsewhere(long, readFileSync(file, 'utf8')), `${long} in ${file}`).toEqual([]);
      }
    }
  });

  it('collect (repeatable flags) is defined once', () => {
    const defs = readdirSync('src', { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .filter((f) => /const collect = /.test(readFileSync(join('src', f), 'utf8')));
    expect(defs).toEqual([join('cli', 'options', 'flag.ts')]);
  });
});
