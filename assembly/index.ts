// kernels.wasm: every export the SDK reaches through src/kernels/.
export { alloc, free } from './memory';
export { summary, firstBad } from './summary';
export { quantiles } from './select';
export {
  sketchCreate, sketchFree, sketchAdd, sketchAddMany, sketchStats, sketchQuantiles, sketchMerge,
  sketchSerializedSize, sketchSerialize, sketchPeekAccuracy, sketchDeserialize,
} from './sketch';
export {
  detectorCreate, detectorConfigure, detectorFree, detectorReset, detectorPush, detectorPushMany, detectorScoreMany,
  detectorStateSize, detectorSaveState, detectorLoadState,
} from './detect';
export {
  kmeansCreate, kmeansFree, kmeansSeed, kmeansSetCenters, kmeansGetCenters, kmeansLabels, kmeansInertia,
  kmeansShiftTotal, kmeansTolerance, kmeansRelocated, kmeansInitRandom, kmeansPlusPlusFirst, kmeansPlusPlusNext, kmeansIterate,
  kmeansFinish, kmeansPredict, kmeansMiniBatch, silhouetteRange, kmeansAssign, kmeansSums, kmeansWeights, kmeansMove,
} from './kmeans';
export { arimaFit, arimaForecast, arimaObjective } from './arima';
