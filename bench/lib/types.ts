export type BenchEnv = 'node' | 'chromium';

export interface BenchContext {
  env: BenchEnv;
  /** kernels.wasm (SIMD) and the no-SIMD build, as URLs this environment can load. */
  wasmUrl: string;
  noSimdWasmUrl: string;
  /** A test collector (test/collector) started for this run; `GET {collectorUrl}/__stats` reads it. */
  collectorUrl?: string;
  log(message: string): void;
  /** Benches with `contenders`: which one this page runs. */
  contender?: string;
  /** Chromium: the renderer main thread's total task time so far, ms (CDP Performance.getMetrics TaskDuration). */
  mainThreadMs?: () => Promise<number>;
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
  run?(ctx: BenchContext): Promise<Comparison[]>;
  /**
   * Instead of run(): each contender measured alone in a fresh page (a fresh browser context: its
   * own storage), `rounds` times, in a random order per round; compare() turns the figures into rows.
   */
  contenders?: string[];
  rounds?: number;
  measure?(ctx: BenchContext): Promise<Record<string, number>>;
  compare?(results: Record<string, Record<string, number>[]>): Comparison[];
}
