import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { ROOT } from './server.js';

/** dist/kernels.wasm (built by `npm test` before vitest runs). */
export const WASM_URL = pathToFileURL(join(ROOT, 'dist/kernels.wasm'));
