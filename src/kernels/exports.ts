/** The raw exports of kernels.wasm (assembly/index.ts). Pointers and lengths are plain numbers. */
export interface KernelExports {
  readonly memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  free(ptr: number): void;
  summary(ptr: number, n: number, out: number): number;
  firstBad(ptr: number, n: number): number;
  quantiles(ptr: number, n: number, probs: number, m: number, out: number): number;
  sketchCreate(relativeAccuracy: number, maxBuckets: number): number;
  sketchFree(ptr: number): void;
  sketchAdd(ptr: number, x: number): void;
  sketchAddMany(ptr: number, data: number, n: number): number;
  sketchStats(ptr: number, out: number): void;
  sketchQuantiles(ptr: number, qs: number, m: number, out: number): void;
  sketchMerge(ptr: number, other: number): void;
  sketchSerializedSize(ptr: number): number;
  sketchSerialize(ptr: number, out: number): void;
  sketchPeekAccuracy(data: number, len: number): number;
  sketchDeserialize(data: number, len: number): number;
  detectorCreate(method: number, window: number, threshold: number, minSamples: number): number;
  detectorFree(ptr: number): void;
  detectorReset(ptr: number): void;
  detectorPush(ptr: number, x: number, out: number): number;
  detectorPushMany(
    ptr: number, data: number, start: number, n: number,
    outIndex: number, outScore: number, outExpected: number, cap: number,
  ): number;
  detectorScoreMany(ptr: number, data: number, n: number, outScore: number, outExpected: number): void;
  detectorStateSize(ptr: number): number;
  detectorSaveState(ptr: number, out: number): void;
  detectorLoadState(data: number, len: number): number;
}
