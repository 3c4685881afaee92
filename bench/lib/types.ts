export type BenchEnv = 'node' | 'chromium';

export interface BenchContext {
  env: BenchEnv;
  /** kernels.wasm (SIMD) and the no-SIMD build, as URLs this environment can load. */
  wasmUrl: string;
  noSimdWasmUrl: string;
  /** A test collector (test/collector) started for this run; `GET {collectorUrl}/__stats` reads it. */
  collectorUrl?: string;
  log(message: string): void;
}

/** One comparison: our figure and one peer's, measured in the same run. */
export interface Comparison {
  name: string;
  unit: string;
  ours: number;
  peer: number;
  peerName: string;
  higherIsBetter: boolean;
}

export interface BenchRow extends Comparison {
  env: BenchEnv;
  /** How many times better we are: ours/peer when higher is better, else peer/ours. */
  ratio: number;
}

export interface Bench {
  title: string;
  envs: BenchEnv[];
  /** Run in a cross-origin isolated page (COOP/COEP), where SharedArrayBuffer exists. */
  isolated?: boolean;
  run(ctx: BenchContext): Promise<Comparison[]>;
}
