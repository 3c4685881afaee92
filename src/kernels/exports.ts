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
  detectorConfigure(ptr: number, lo: number, hi: number, maxActive: number, maxLeft: number): number;
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
  kmeansCreate(data: number, n: number, d: number, k: number, tol: number, hamerly: number): number;
  kmeansFree(ptr: number): void;
  kmeansSeed(ptr: number, seed: number): void;
  kmeansSetCenters(ptr: number, centers: number): void;
  kmeansGetCenters(ptr: number, out: number): void;
  kmeansLabels(ptr: number): number;
  kmeansInertia(ptr: number): number;
  kmeansShiftTotal(ptr: number): number;
  kmeansTolerance(ptr: number): number;
  kmeansRelocated(ptr: number): number;
  kmeansInitRandom(ptr: number): void;
  kmeansPlusPlusFirst(ptr: number): number;
  kmeansPlusPlusNext(ptr: number, c: number, trials: number, pot: number): number;
  kmeansIterate(ptr: number): number;
  kmeansAssign(ptr: number): number;
  kmeansSums(ptr: number): number;
  kmeansWeights(ptr: number): number;
  kmeansMove(ptr: number, centers: number): void;
  kmeansFinish(ptr: number, relabel: number): number;
  kmeansPredict(data: number, n: number, d: number, centers: number, k: number, out: number): number;
  kmeansMiniBatch(
    data: number, n: number, d: number, centers: number, counts: number, k: number, sums: number, seen: number,
  ): number;
  silhouetteRange(
    data: number, n: number, d: number, labels: number, k: number, sizes: number, sums: number, start: number, end: number,
  ): number;
  arimaFit(y: number, n: number, spec: number, xreg: number, out: number): number;
  arimaForecast(y: number, n: number, spec: number, xreg: number, coef: number, h: number, newxreg: number, outMean: number, outVar: number): number;
  arimaObjective(y: number, n: number, spec: number, xreg: number, params: number, mode: number, grad: number): number;
}
