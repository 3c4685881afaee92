// avila-telemetry/collector: the receiving end of the SDK's protocol, as a Fetch-API handler that
// runs in Node (with avila-telemetry/collector/node) and in Cloudflare Workers. See docs/collector.md.
export { createCollector, DEFAULT_LIMITS, type CollectorHandler, type CollectorLimits, type CollectorOptions, type CollectorStats } from './collector/handler.js';
export type { ForwardOptions, ForwardStats } from './collector/forward.js';
export { memoryStore, type MemoryStore } from './collector/memory.js';
export { d1Store, D1_SCHEMA, type D1Like, type D1StatementLike } from './collector/d1.js';
export { InvalidBatch, readBatch, type BatchLimits } from './collector/validate.js';
export type { CollectorStore, StoredBatch, StoredEvent, WriteResult } from './collector/types.js';
export { AnalyticsInputError, ATTRIBUTION_MODELS } from './collector/analytics/query.js';
export type {
  Analytics, AttributionModel, AttributionQuery, AttributionResult, ExperimentQuery, ExperimentResult, FunnelOrder, FunnelQuery, FunnelResult, FunnelStepResult,
  PropertyValue, RetentionCohort, RetentionQuery, RetentionResult, SessionsQuery, SessionsResult, SessionsRow, StepInput, VariantResult,
  CustomerQuery, RfmQuery, RfmResult, RfmPerson, RfmSegment, SegmentFeature, SegmentsQuery, SegmentsResult, ClvQuery, ClvResult, ClvPerson, QualityQuery, QualityResult,
} from './collector/analytics/query.js';
export {
  fitBgNbd, fitGammaGamma, bgNbdLogLikelihood, expectedPurchases, conditionalExpectedPurchases, probabilityAlive, expectedSpend, lifetimeValue, scoreCustomers, hypergeometric2F1,
  type BgNbdFit, type BgNbdParameters, type CustomerHistories, type CustomerScores, type GammaGammaFit, type GammaGammaParameters, type LifetimeValueOptions,
} from './collector/analytics/clv.js';
export { RFM_SEGMENTS } from './collector/analytics/customers.js';
export { DEFAULT_WINDOWS, LiveWindows, type LiveOptions, type WindowResult, type WindowSpec } from './collector/analytics/live.js';
