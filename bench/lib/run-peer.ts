// Peers outside Node (R, Python) for the Node-only benches. Kept apart from peers.ts, which the
// Chromium benches import (a page cannot load node: modules).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Runs a peer outside Node (R, Python) on files written to a fresh temporary folder: `files` are
 * written there, `script(dir)` is the program, and its last line of output is returned — or null
 * when the interpreter or its package is missing (the caller prints why it skips).
 */
export function runPeer(
  interpreter: string,
  scriptName: string,
  files: Record<string, string | Uint8Array>,
  script: (dir: string) => string,
  env?: Record<string, string>,
): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'avila-peer-'));
  try {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    writeFileSync(join(dir, scriptName), script(dir));
    const out = execFileSync(interpreter, [join(dir, scriptName)], { encoding: 'utf8', env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
    return out.trim().split('\n').pop() ?? null;
  } catch {
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
