import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cruise } from 'dependency-cruiser';
import extractDepcruiseConfig from 'dependency-cruiser/config-utl/extract-depcruise-config';

// `make lint` must fail when an arrow points the wrong way. These tests plant such arrows
// in a small tree laid out like src/ (in a temporary folder, never in the repository) and
// run the repository's own .dependency-cruiser.cjs and biome.jsonc over it.

const repo = resolve(import.meta.dirname, '..');
const scratch = mkdtempSync(join(tmpdir(), 'memkit-layers-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Arrows the table allows, one of each kind (static, type-only, dynamic, re-export). */
const allowed: Record<string, string> = {
  'src/core/errors.ts': 'export class UsageError extends Error {}\n',
  'src/units/parse.ts': "import { UsageError } from '../core/errors.js';\nexport const bad = () => new UsageError('x');\n",
  'src/samples/protocol.ts': 'export interface MemBatch { tMs: number[] }\n',
  'src/analyze/diff.ts': "import type { MemBatch } from '../samples/protocol.js';\nexport interface DiffReport { batch: MemBatch }\n",
  'src/heap/summary.ts': "export { bad } from '../units/parse.js';\n",
  'src/report/terminal/table.ts': "export const table = (rows: string[]) => rows.join('\\n');\n",
  'src/report/html/page.ts': "import { table } from '../terminal/table.js';\nexport const page = () => table([]);\n",
  'src/profile/session.ts': "export const run = async () => (await import('../analyze/diff.js')) !== undefined;\n",
  'src/cli/progress.ts': 'export const spin = 1;\n',
  'src/commands/diff.ts': "import { spin } from '../cli/progress.js';\nimport { page } from '../report/html/page.js';\nexport const go = () => [spin, page()];\n",
  // The program's entry loads the commands; the commands use the rest of cli/.
  'src/cli/main.ts': "export const main = async () => (await import('../commands/diff.js')).go();\n",
};

/** Wrong arrows, each with the rule that must name it. */
const planted: Array<{ file: string; source: string; rule: string; to: string }> = [
  {
    rule: 'not-to-cli-or-commands',
    file: 'src/analyze/spinner.ts',
    source: "import { spin } from '../cli/progress.js';\nexport const s = spin;\n",
    to: 'src/cli/progress.ts',
  },
  {
    rule: 'layer-units', // a type-only back-edge: units/ knowing analysis results
    file: 'src/units/format.ts',
    source: "import type { DiffReport } from '../analyze/diff.js';\nexport type R = DiffReport;\n",
    to: 'src/analyze/diff.ts',
  },
  {
    rule: 'analysis-and-heap-engine-stay-pure', // a dynamic import, loaded only at run time
    file: 'src/heap/render.ts',
    source: "export const render = async () => (await import('../report/terminal/table.js')).table([]);\n",
    to: 'src/report/terminal/table.ts',
  },
  {
    rule: 'layer-baseline', // a type re-exported from the measuring session
    file: 'src/baseline/sections.ts',
    source: "export type { Session } from '../profile/types.js';\n",
    to: 'src/profile/types.ts',
  },
  {
    rule: 'layer-report', // a renderer reaching into the producer
    file: 'src/report/terminal/stress.ts',
    source: "import { run } from '../../profile/session.js';\nexport const r = run;\n",
    to: 'src/profile/session.ts',
  },
  {
    rule: 'no-unknown-folder',
    file: 'src/analyze/uses-new.ts',
    source: "import { x } from '../helpers/x.js';\nexport const y = x;\n",
    to: 'src/helpers/x.ts',
  },
];

const plantedSupport: Record<string, string> = {
  'src/profile/types.ts': 'export interface Session { id: string }\n',
  'src/helpers/x.ts': 'export const x = 1;\n',
  // A type-only cycle between two modules of one folder.
  'src/samples/a.ts': "import type { B } from './b.js';\nexport interface A { b?: B }\n",
  'src/samples/b.ts': "import type { A } from './a.js';\nexport interface B { a?: A }\n",
  // A cycle between two subfolders of report/ (terminal → html → terminal).
  'src/report/terminal/page-link.ts': "import { page } from '../html/page.js';\nexport const link = page;\n",
};

const byRuleAndFile = (a: Violation, b: Violation) => `${a.rule} ${a.from}`.localeCompare(`${b.rule} ${b.from}`);

function writeTree(root: string, files: Record<string, string>): void {
  for (const [path, source] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), source);
  }
}

interface Violation {
  rule: string;
  from: string;
  to: string;
}

async function depcruise(root: string): Promise<Violation[]> {
  const config = await extractDepcruiseConfig(join(repo, '.dependency-cruiser.cjs'));
  const result = await cruise(['src'], {
    ...config.options,
    validate: true,
    ruleSet: config,
    baseDir: root,
    outputType: 'json',
  });
  const output = JSON.parse(String(result.output)) as { summary: { violations: Array<{ rule: { name: string }; from: string; to: string }> } };
  return output.summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to }));
}

describe('the layer rules (.dependency-cruiser.cjs)', () => {
  it('pass a tree whose arrows all point down', async () => {
    const root = join(scratch, 'clean');
    writeTree(root, allowed);
    expect(await depcruise(root)).toEqual([]);
  });

  it('name every planted wrong arrow, each once and by one rule, and no other arrow', async () => {
    const root = join(scratch, 'planted');
    writeTree(root, allowed);
    writeTree(root, plantedSupport);
    writeTree(root, Object.fromEntries(planted.map((p) => [p.file, p.source])));
    const found = await depcruise(root);

    const arrows = found.filter((v) => !v.rule.startsWith('no-circular'));
    expect(arrows.sort(byRuleAndFile)).toEqual(planted.map((p) => ({ rule: p.rule, from: p.file, to: p.to })).sort(byRuleAndFile));
    // A loop between modules is reported once, from one of its members.
    const loops = found.filter((v) => v.rule === 'no-circular');
    expect(loops).toHaveLength(1);
    expect(['src/samples/a.ts', 'src/samples/b.ts']).toContain(loops[0]!.from);
    // The loop between two subfolders, from each side; a loop that leaves the folder has an
    // arrow pointing up, which is reported above as such and not again here.
    const folderLoops = found.filter((v) => v.rule === 'no-circular-subfolders').map((v) => `${v.from} → ${v.to}`);
    expect(folderLoops.sort()).toEqual(['src/report/html → src/report/terminal', 'src/report/terminal → src/report/html']);
    expect(found).toHaveLength(planted.length + 3);
  });
});

describe('the import()-type ban (lint/no-import-type-expression.grit)', () => {
  it('fails an import() type below the command layer and allows it in commands/', () => {
    const root = join(scratch, 'biome');
    const source = "type T = import('../cli/x.js').Y;\nexport type { T };\n";
    writeTree(root, { 'src/analyze/planted.ts': source, 'src/commands/allowed.ts': source });
    mkdirSync(join(root, 'lint'), { recursive: true });
    writeFileSync(join(root, 'biome.jsonc'), readRepoFile('biome.jsonc'));
    writeFileSync(join(root, 'lint/no-import-type-expression.grit'), readRepoFile('lint/no-import-type-expression.grit'));
    const biome = spawnSync(join(repo, 'node_modules/.bin/biome'), ['lint', '--vcs-enabled=false', '--error-on-warnings', '--colors=off', 'src'], {
      cwd: root,
      encoding: 'utf8',
    });
    const output = biome.stdout + biome.stderr;
    expect(biome.status, output).toBe(1);
    expect(output).toContain('src/analyze/planted.ts:1:10 plugin');
    expect(output).not.toContain('src/commands/allowed.ts');
    expect(output).toContain('Found 1 error.');
  });
});

function readRepoFile(path: string): string {
  return readFileSync(join(repo, path), 'utf8');
}
