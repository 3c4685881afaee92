import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, or CHROMIUM_PATH. Never a downloaded browser. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why Chromium cannot run here (a missing file, or a binary that fails `--version`), or null. */
function problem(): string | null {
  if (!existsSync(chromiumPath)) return `no file at ${chromiumPath}`;
  try {
    execFileSync(chromiumPath, ['--version'], { stdio: 'pipe', timeout: 30_000 });
    return null;
  } catch (e) {
    return `${chromiumPath} --version failed: ${(e as Error).message.split('\n')[0]}`;
  }
}

const why = problem();
export const hasChromium = why === null;

if (!hasChromium) {
  // In CI nothing is skipped: a missing or broken browser fails every browser suite.
  if (process.env.CI === 'true') throw new Error(`CI=true and Chromium cannot run (${why}): browser tests must not be skipped`);
  console.warn(
    `\n!!!!!!!! BROWSER TESTS SKIPPED: Chromium cannot run (${why}). ` +
      'Install it (apt-get install -y chromium) or set CHROMIUM_PATH. .ci/run always installs it. !!!!!!!!\n',
  );
}

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
}
