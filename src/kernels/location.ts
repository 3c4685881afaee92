/**
 * URL of kernels.wasm next to the running bundle (dist/), or undefined where the runtime has no
 * module URL (Cloudflare Workers: pass the imported Module instead).
 */
export function defaultWasmUrl(): URL | undefined {
  try {
    return new URL('./kernels.wasm', import.meta.url);
  } catch {
    return undefined;
  }
}
