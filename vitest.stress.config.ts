// `npm run stress`: the long-running loops that are not part of `npm test` (test/stress/).
import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

export default defineConfig({
  define: { __AVILA_VERSION__: JSON.stringify(version) },
  test: { include: ['test/stress/**/*.stress.ts'], testTimeout: 180_000, hookTimeout: 120_000, pool: 'forks', fileParallelism: false },
});
