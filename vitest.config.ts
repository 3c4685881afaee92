import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Lets the FinalizationRegistry test force garbage collection.
    execArgv: ['--expose-gc'],
    // Browser suites launch Chromium; with 2 cores, two files at a time keeps them from starving.
    maxWorkers: 2,
  },
});
