import { existsSync } from 'node:fs';

/**
 * vitest.config.ts names this file. CLI tests run the built bin, so fail at once, with
 * the fix, when dist/ is missing (`make test` builds it first).
 */
export default function setup(): void {
  if (!existsSync('dist/src/cli/main.js')) {
    throw new Error('dist/ is not built: run `make test` (or `npx tsc -p .` before `npx vitest run`)');
  }
}
