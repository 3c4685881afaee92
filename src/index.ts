// avila-telemetry — browser entry (ESM, and the global `Avila` of the script-tag build). It holds
// what every page needs at once; the worker runtime, detectors, forecasts and the analysis API
// load on first use (src/client/on-demand.ts).
import { createClient } from './client/client.js';
import { noopClient } from './client/noop.js';
import type { Client, ClientConfig } from './client/types.js';
import { analysis } from './analysis/on-demand.js';

export type * from './client/index.js';
export type { WireEvent, Batch, DropReason } from './delivery/types.js';
export { analysis };
export const version: string = __AVILA_VERSION__;

/**
 * Starts the SDK. Never throws: with an unusable configuration it logs why (naming the option)
 * and returns a client whose methods do nothing.
 */
export function init(config: ClientConfig): Client {
  try {
    return createClient(config);
  } catch (e) {
    if (typeof console !== 'undefined') console.error('avila-telemetry: init() failed, telemetry is off:', e);
    return noopClient();
  }
}
