export { ready } from './runtime.js';
export type { ReadyOptions } from './runtime.js';
export { quantiles, summary } from './stats.js';
export type { Summary } from './stats.js';
export { QuantileSketch } from './sketch.js';
export type { QuantileSketchOptions } from './sketch.js';
export { detectAnomalies, createDetector } from './detect.js';
export type { Anomaly, DetectorMethod, DetectorOptions, StreamingDetector } from './detect.js';
export { KernelLoadError } from '../kernels/index.js';
