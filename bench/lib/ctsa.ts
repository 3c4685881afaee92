// The `arima` npm package (ctsa) through its asynchronous build, which compiles on Chromium's
// main thread as well as in Node (see test/helpers/ctsa-core.ts). Imported by file: the package's
// exports map does not list these modules.
// @ts-expect-error: an Emscripten module factory without types
import Module from '../../node_modules/arima/wasm/native-async.js';
// @ts-expect-error: the wasm binary as a JS module, untyped
import wasmBinary from '../../node_modules/arima/wrapper/native.bin.js';
// @ts-expect-error: the package's wrapper factory, untyped
import loadArima from '../../node_modules/arima/load.js';
import { ctsaFitter, type CtsaFit } from '../../test/helpers/ctsa-core.js';

export async function loadCtsa(): Promise<CtsaFit> {
  const mod = await Module({ wasmBinary });
  return ctsaFitter(mod, loadArima(mod));
}
