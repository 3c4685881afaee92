// avila-telemetry — browser entry (ESM, and the global `Avila` of the script-tag build).
import * as analysis from './analysis.js';
import { createClient, type Client, type ClientConfig } from './client/index.js';
import { webWorkers } from './runtime/workers.js';
import { noopClient } from './client/noop.js';

export type * from './client/index.js';
export type { WireEvent, Batch, DropReason } from './delivery/types.js';
export { analysis };
export const version: string = __AVILA_VERSION__;

/**
 * Starts the SDK. Never throws: with an unusable configuration it logs why and returns a client
 * whose methods do nothing.
 */
export function init(config: ClientConfig): Client {
  try {
    return createClient(config, webWorkers);
  } catch (e) {
    if (typeof console !== 'undefined') console.error('avila-telemetry: init() failed, telemetry is off:', e);
    return noopClient();
  }
}
