import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

export default defineConfig({
  define: { __AVILA_VERSION__: JSON.stringify(version) },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Lets the FinalizationRegistry test force garbage collection.
    execArgv: ['--expose-gc'],
    // One file at a time: browser suites measure frame timing and a worker takes a core, so
    // on a 2-core machine a parallel file would starve the page under test.
    fileParallelism: false,
  },
});
