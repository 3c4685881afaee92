/**
 * A module using one v128 instruction: engines without WebAssembly SIMD (Safari < 16.4, WebKit
 * with SIMD off) refuse to validate it. Hand-assembled: () → v128 { v128.const 0 }.
 */
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // \0asm, version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: () → v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x16, 0x01, 0x14, 0x00, 0xfd, 0x0c, ...new Array<number>(16).fill(0), 0x0b, // code: v128.const 0; end
]);

/** Whether this engine runs WebAssembly SIMD (kernels.wasm) or needs kernels-nosimd.wasm. */
export function hasWasmSimd(): boolean {
  try {
    return WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

/**
 * URL of the kernels next to the running bundle (dist/): kernels.wasm, or kernels-nosimd.wasm
 * where the engine has no WebAssembly SIMD (both give identical results). Undefined where the
 * runtime has no module URL (Cloudflare Workers: pass the imported Module instead).
 * Both `new URL(…, import.meta.url)` are written out so that Vite and webpack emit both files.
 */
export function defaultWasmUrl(simd = hasWasmSimd()): URL | undefined {
  try {
    return simd ? new URL('./kernels.wasm', import.meta.url) : new URL('./kernels-nosimd.wasm', import.meta.url);
  } catch {
    return undefined;
  }
}
