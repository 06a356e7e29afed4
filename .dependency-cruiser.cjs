// memkit's layers, checked by `make lint` (npx depcruise src scenarios).
//
// The table below is the whole rule: each folder of src/ lists the folders it may import
// from. Anything else is a violation, so an arrow pointing up (a back-edge) fails however
// it is written: a static import, a type-only import (`import type`, `export type … from`),
// a dynamic `await import()` or a require. The layering is about what a module knows, not
// what it loads at run time, so types count. (An `import('…')` type inside a type alias
// is invisible to the swc parser used here; Biome bans those below the command layer:
// lint/no-import-type-expression.grit.)
//
// The table must stay a DAG (checked when this file loads): with it, no two folders can
// import each other, directly or round a longer loop. docs/ARCHITECTURE.md explains each
// folder's job; change both together.

/** Folder of src/ → the folders of src/ it may import from (besides itself). */
const mayImport = {
  // The ground floor.
  core: [],
  units: ['core'],
  metrics: ['core', 'units'],
  samples: ['core'],
  // heap/: the heap-summary section keeps the engine's own row and leak types.
  baseline: ['core', 'units', 'metrics', 'samples', 'heap'],
  analyze: ['core', 'units', 'metrics', 'samples', 'baseline'],
  heap: ['core', 'units', 'metrics'],
  config: ['core', 'units', 'analyze'],
  scenario: ['core', 'units', 'metrics'],
  // load/: mem-stress's HTTP load generator; it writes the samples dialect and knows nothing else.
  load: ['core', 'units', 'samples'],

  // The middle: the child, the child runtime, the engines fed by it, the renderers.
  agent: ['core', 'samples', 'scenario'],
  run: ['core', 'units', 'metrics', 'samples', 'baseline', 'agent'],
  similarity: ['core', 'units', 'metrics', 'samples', 'baseline', 'run'],
  prometheus: ['core', 'units', 'metrics', 'samples', 'baseline', 'analyze', 'run'],
  report: ['core', 'units', 'metrics', 'samples', 'baseline', 'analyze', 'heap', 'scenario', 'similarity'],
  // The measuring session: everything below it except the renderers (a command renders).
  profile: [
    'core', 'units', 'metrics', 'samples', 'baseline', 'analyze', 'heap', 'config', 'scenario',
    'agent', 'run', 'similarity', 'prometheus', 'load',
  ],

  // The top. cli/ (less main.ts, see below) is the commands' toolkit: the action wrapper,
  // the spinner, shared options, the end of a run. commands/ use it; it never uses them.
  cli: [
    'core', 'units', 'metrics', 'samples', 'baseline', 'analyze', 'heap', 'config', 'scenario',
    'agent', 'run', 'similarity', 'prometheus', 'report', 'profile', 'load',
  ],
  commands: [
    'core', 'units', 'metrics', 'samples', 'baseline', 'analyze', 'heap', 'config', 'scenario',
    'agent', 'run', 'similarity', 'prometheus', 'report', 'profile', 'cli', 'load',
  ],
};

// Entry points above every folder: they may import anything and nothing imports them.
// cli/main.ts is the program (bin/memkit.js loads it; it loads each command lazily), so it
// sits above commands/ while the rest of cli/ sits below; cli/diff-entry.ts is memkit diff's
// bundled entry (bin/memkit.js runs it for diff alone); index.ts is the package's API.
const ENTRIES = '^src/(cli/(main|diff-entry)|index)\\.ts$';

const folders = Object.keys(mayImport);
const TOP = ['cli', 'commands'];

assertAcyclic(mayImport);

const alt = (names) => `(${names.join('|')})`;

/** The rules the issue names, kept separate so their messages say what broke. */
const namedRules = [
  {
    name: 'not-to-cli-or-commands',
    comment:
      'Only the command layer (commands/, cli/) may import cli/ or commands/. A lower folder ' +
      'that needs an error, an exit code, the version or atomic writing takes it from core/; ' +
      'progress reaches a command through a callback, the command owns the spinner.',
    severity: 'error',
    from: { path: '^src/', pathNot: [`^src/${alt(TOP)}/`, ENTRIES] },
    to: { path: `^src/${alt(TOP)}/` },
  },
  {
    name: 'analysis-and-heap-engine-stay-pure',
    comment:
      'analyze/ and heap/ are pure engines: typed data in, typed data out. They know nothing ' +
      'of the child runtime (run/), the child (agent/), the renderers (report/) or the ' +
      'measuring session (profile/).',
    severity: 'error',
    from: { path: '^src/(analyze|heap)/' },
    to: { path: '^src/(run|agent|report|profile)/' },
  },
];

/** What the named rules already report, so one bad arrow is reported once. */
function coveredByNamedRule(from, to) {
  if (TOP.includes(to) && !TOP.includes(from)) return true;
  return ['analyze', 'heap'].includes(from) && ['run', 'agent', 'report', 'profile'].includes(to);
}

/** One rule per folder: every folder of src/ not in its row of the table. */
const layerRules = folders.flatMap((from) => {
  const forbidden = folders.filter(
    (to) => to !== from && !mayImport[from].includes(to) && !coveredByNamedRule(from, to),
  );
  if (forbidden.length === 0) return [];
  return [
    {
      name: `layer-${from}`,
      comment: `${from}/ may import only ${mayImport[from].map((f) => `${f}/`).join(', ') || 'nothing of memkit'} (.dependency-cruiser.cjs, docs/ARCHITECTURE.md).`,
      severity: 'error',
      from: { path: `^src/${from}/`, pathNot: ENTRIES },
      to: { path: `^src/${alt(forbidden)}/` },
    },
  ];
});

module.exports = {
  forbidden: [
    ...namedRules,
    ...layerRules,
    {
      name: 'not-to-entries',
      comment: 'cli/main.ts and index.ts are entry points: nothing inside memkit imports them.',
      severity: 'error',
      from: { path: '^(src|scenarios)/' },
      to: { path: ENTRIES },
    },
    {
      name: 'no-unknown-folder',
      comment:
        'A new folder of src/ needs its row in the table of .dependency-cruiser.cjs (and its ' +
        'line in docs/ARCHITECTURE.md) before anything may import it.',
      severity: 'error',
      from: { path: '^(src|scenarios)/' },
      to: { path: '^src/[^/]+/', pathNot: `^src/${alt(folders)}/` },
    },
    {
      name: 'scenarios-use-the-authoring-api',
      comment:
        'Built-in scenarios are written like a user\'s: they import scenario/ (defineScenario, ' +
        'the seeded random), nothing else of memkit.',
      severity: 'error',
      from: { path: '^scenarios/' },
      to: { path: '^src/', pathNot: '^src/scenario/' },
    },
    {
      name: 'no-circular',
      comment: 'No import cycle between modules, type-only imports included.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    // Loops between the folders of src/ break the table above (each loop has an arrow
    // pointing up, reported as such); this catches loops between the subfolders of one
    // folder (report/html ↔ report/terminal), which the table does not see.
    {
      name: 'no-circular-subfolders',
      comment: 'No import loop between the subfolders of one folder of src/.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/([^/]+)/' },
      // At folder scope only `path` narrows a loop: its next folder must be a sibling
      // ($1 is the folder matched in `from`).
      to: { circular: true, path: '^src/$1/' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that resolves to no file (a typo, a moved module).',
      severity: 'error',
      from: {},
      // The native addons are required by a path relative to dist/, built at npm ci.
      to: { couldNotResolve: true, pathNot: '\\.node$' },
    },
    {
      name: 'no-non-package-json',
      comment: 'An npm package used by memkit but missing from package.json.',
      severity: 'error',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'not-to-dev-dep',
      comment:
        'memkit\'s own code must not need a devDependency: users install without them. ' +
        'better-sqlite3 is optional and loaded only by the scenario that uses it.',
      severity: 'error',
      from: { path: '^(src|scenarios)/' },
      to: { dependencyTypes: ['npm-dev'], pathNot: 'node_modules/@types/' },
    },
  ],
  options: {
    // TypeScript 7 (tsgo) ships no JavaScript compiler API, which dependency-cruiser's
    // default TypeScript parser needs; swc parses TypeScript on its own. It reports
    // `import type`, `export type … from`, `x: import('…').T` annotations and `import()`.
    parser: 'swc',
    tsPreCompilationDeps: true,
    includeOnly: '^(src|scenarios)/',
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules)/' },
    moduleSystems: ['es6', 'cjs'],
    enhancedResolveOptions: {
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.d.ts'],
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};

/** Throws when the table has a loop: then two folders could legally import each other. */
function assertAcyclic(table) {
  const state = new Map(); // folder → 'visiting' | 'done'
  const visit = (folder, path) => {
    if (!(folder in table)) throw new Error(`.dependency-cruiser.cjs: '${folder}' has no row`);
    if (state.get(folder) === 'done') return;
    if (state.get(folder) === 'visiting') {
      throw new Error(`.dependency-cruiser.cjs: the layer table loops: ${[...path, folder].join(' → ')}`);
    }
    state.set(folder, 'visiting');
    for (const next of table[folder]) visit(next, [...path, folder]);
    state.set(folder, 'done');
  };
  for (const folder of Object.keys(table)) visit(folder, []);
}
