import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Children are real processes measured from outside; forks keep each test file's
    // own heap and signals apart from the others.
    pool: 'forks',
    // Test files mostly wait on the children they measure: two at a time halves the
    // suite on a 2-core machine (vitest's default would be one).
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    globalSetup: ['test/global-setup.ts'],
  },
});
