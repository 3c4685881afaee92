// The README's performance table is exactly what scripts/perf-table.mjs prints from the committed
// bench/results/latest.json (dates, machine and versions included), so a fresh clone reproduces it.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from '../helpers/server.js';

it("README's performance table is perf-table's output for the committed results", () => {
  const table = execFileSync(process.execPath, [join(ROOT, 'scripts/perf-table.mjs')], { encoding: 'utf8' }).trimEnd();
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const between = /<!-- perf-table -->\n([\s\S]*?)\n<!-- \/perf-table -->/.exec(readme);
  expect(between, 'README.md marks the table with <!-- perf-table --> … <!-- /perf-table -->').not.toBeNull();
  expect(between![1]).toBe(table);
  expect(table.split('\n').filter((l) => l.startsWith('| node') || l.startsWith('| chromium')).length).toBeGreaterThan(20);
});
