export { Kernels, NonFiniteError } from './kernels.js';
export type { Summary, SketchStats, PushResult, AnomalyArrays } from './kernels.js';
export type { KernelExports } from './exports.js';
export { compileKernels, instantiateKernels, instantiateKernelsSync, KernelLoadError } from './load.js';
export type { KernelSource } from './load.js';
export { defaultWasmUrl } from './location.js';
export { kmeansFit, kmeansMiniBatch, kmeansPredict, kmeansSeedCenters, silhouetteScore } from './kmeans.js';
export type { KMeansFit, KMeansInit, KMeansSpec } from './kmeans.js';
