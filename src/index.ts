// avila-telemetry — browser entry (ESM, and the global `Avila` of the script-tag build).
import * as analysis from './analysis.js';

export { analysis };
export const version: string = __AVILA_VERSION__;
