import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// How the peer SDKs are set up in the Chromium benches: pointed at the local test collector,
// with everything that would phone elsewhere or throttle a benchmark turned off.

/** posthog-js options for `posthog.init('phc_bench', …)`. */
export function posthogBenchOptions(collectorUrl: string): Record<string, unknown> {
  return {
    opt_out_useragent_filter: true, // headless Chromium looks like a bot to PostHog
    rate_limiting: { events_per_second: 1e9, events_burst_limit: 1e9 }, // its default drops bursts
    api_host: collectorUrl,
    autocapture: false,
    capture_pageview: false,
    capture_pageleave: false,
    disable_session_recording: true,
    persistence: 'memory',
    advanced_disable_flags: true,
    disable_surveys: true,
  };
}

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
