// Runs an R script (Debian's r-base-core) and returns its standard output; null when R is not
// installed outside CI (the caller skips, saying why). With CI=true a missing R fails.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const R = process.env.RSCRIPT ?? '/usr/bin/Rscript';

export function rAvailable(): boolean {
  if (existsSync(R)) return true;
  if (process.env.CI === 'true') throw new Error(`CI=true and ${R} is missing (apt-get install r-base-core): the R reference tests must not be skipped`);
  console.warn(`skipping the R reference tests: ${R} is not installed (apt-get install r-base-core)`);
  return false;
}

/** Runs the script from a file (a long script does not fit an -e argument); R's errors throw. */
export function runR(script: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'avila-r-'));
  try {
    const file = join(dir, 'script.R');
    writeFileSync(file, script);
    return execFileSync(R, ['--vanilla', file], { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
