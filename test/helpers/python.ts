// Runs a Python script with Debian's python3 and mpmath (python3-mpmath): arbitrary-precision
// references (hypergeometric functions, tanh-sinh quadrature). Null-safe like rscript.ts: outside
// CI a missing mpmath skips, saying why; with CI=true it fails.
import { execFileSync } from 'node:child_process';

export const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';

export function mpmathAvailable(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import mpmath'], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.CI === 'true') throw new Error(`CI=true and ${PYTHON} cannot import mpmath (apt-get install python3-mpmath): the mpmath reference tests must not be skipped`);
    console.warn(`skipping the mpmath reference tests: ${PYTHON} cannot import mpmath (apt-get install python3-mpmath)`);
    return false;
  }
}

/** The script's standard output (the script arrives on standard input); Python's errors throw. */
export function runPython(script: string): string {
  return execFileSync(PYTHON, ['-'], { input: script, encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['pipe', 'pipe', 'pipe'] });
}
