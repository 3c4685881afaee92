/** Where kernels.wasm comes from: a compiled Module, its bytes, or a URL (http(s), file, data). */
export type KernelSource = WebAssembly.Module | URL | string | ArrayBuffer | ArrayBufferView;

/** Thrown when kernels.wasm cannot be fetched, compiled or instantiated. */
export class KernelLoadError extends Error {
  override name = 'KernelLoadError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

function describe(source: KernelSource): string {
  if (source instanceof WebAssembly.Module) return 'the WebAssembly.Module passed in';
  if (typeof source === 'string' || source instanceof URL) return String(source);
  return 'the bytes passed in';
}

/** A hint for the causes users hit most: CSP without 'wasm-unsafe-eval', and workerd. */
function hint(cause: unknown): string {
  const text = String((cause as Error)?.message ?? cause);
  if (/Content Security Policy|unsafe-eval/i.test(text)) {
    return " The page's Content-Security-Policy blocks WebAssembly: add 'wasm-unsafe-eval' to script-src (see docs/csp.md).";
  }
  if (/code generation|disallowed by embedder/i.test(text)) {
    return " This runtime forbids compiling WebAssembly at run time (Cloudflare Workers): import the module with `import wasm from 'avila-telemetry/kernels.wasm'` and pass it as the `wasm` option.";
  }
  if (/HTTP 404/.test(text)) {
    return ' The file is not where the bundle looks for it (next to the script or chunk that loads it). With esbuild or Rollup, copy the assets next to your bundle once per build: `npx avila-telemetry assets <your output folder>`; or pass the `wasm` and `worker` options with their URLs (docs/bundlers.md).';
  }
  return '';
}

/**
 * A Node built-in module, through process.getBuiltinModule (Node ≥ 20.16, and workerd with
 * nodejs_compat): no import() that browser and Workers bundlers would try to resolve.
 */
export function builtinModule<T>(name: string): T | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    return (proc?.getBuiltinModule?.(name) as T | undefined) ?? null;
  } catch {
    return null;
  }
}

async function readFileUrl(url: URL): Promise<Uint8Array> {
  const fs = builtinModule<{ readFile(path: URL): Promise<Uint8Array> }>('node:fs/promises');
  if (!fs) throw new Error('this runtime cannot read files (Node ≥ 20.16 has process.getBuiltinModule); pass the bytes or a compiled WebAssembly.Module as `wasm`');
  return fs.readFile(url);
}

async function compileUrl(url: URL): Promise<WebAssembly.Module> {
  if (url.protocol === 'file:') return WebAssembly.compile(await readFileUrl(url) as BufferSource);
  // Marked so that the SDK's own network autocapture does not count this request.
  const response = await fetch(url, { [Symbol.for('avila-telemetry.own-request')]: true } as RequestInit);
  if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
  const type = response.headers.get('content-type') ?? '';
  if (typeof WebAssembly.compileStreaming === 'function' && type.startsWith('application/wasm')) {
    return WebAssembly.compileStreaming(response);
  }
  // Servers that send another MIME type still work, only without streaming compilation.
  return WebAssembly.compile(await response.arrayBuffer());
}

/** Compiles kernels.wasm from any source into a Module (which can be posted to workers). */
export async function compileKernels(source: KernelSource): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  try {
    if (typeof source === 'string' || source instanceof URL) {
      const base = typeof location !== 'undefined' ? location.href : undefined;
      return await compileUrl(new URL(String(source), base));
    }
    return await WebAssembly.compile(source as BufferSource);
  } catch (cause) {
    const reason = (cause as Error)?.message ?? String(cause);
    throw new KernelLoadError(
      `avila-telemetry: could not load kernels.wasm from ${describe(source)}: ${reason}.${hint(cause)}`,
      { cause },
    );
  }
}

function instantiateError(cause: unknown): KernelLoadError {
  const reason = (cause as Error)?.message ?? String(cause);
  return new KernelLoadError(`avila-telemetry: could not instantiate kernels.wasm: ${reason}.${hint(cause)}`, {
    cause,
  });
}

/**
 * Instantiates a compiled kernels Module (it has no imports). Asynchronous because Chromium
 * refuses synchronous instantiation of modules over 4 KB on a page's main thread.
 */
export async function instantiateKernels(module: WebAssembly.Module): Promise<WebAssembly.Instance> {
  try {
    return await WebAssembly.instantiate(module, {});
  } catch (cause) {
    throw instantiateError(cause);
  }
}

/** Synchronous form for Cloudflare Workers and workers, where it is allowed and start-up must not wait. */
export function instantiateKernelsSync(module: WebAssembly.Module): WebAssembly.Instance {
  try {
    return new WebAssembly.Instance(module, {});
  } catch (cause) {
    throw instantiateError(cause);
  }
}
