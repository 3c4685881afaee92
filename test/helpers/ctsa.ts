// The `arima` npm package (ctsa) in Node, through its synchronous build (see ctsa-core.ts).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ctsaFitter } from './ctsa-core.js';

export type { CtsaOrder } from './ctsa-core.js';

const load = createRequire(import.meta.url);
// From the working directory (the repository root for npm test and npm run bench), so the
// path also holds inside the bench's bundle.
const dir = join(process.cwd(), 'node_modules/arima');
const Module = load(join(dir, 'wasm/native-sync.js'));
const wasmBinary = load(join(dir, 'wrapper/native.bin.js'));
const mod = Module({ wasmBinary });

export const ctsaFit = ctsaFitter(mod, load(join(dir, 'load.js'))(mod));
