// How the ESM builds reach the deferred code: a dynamic import every bundler turns into a chunk.
import type * as Deferred from './deferred.js';

export type DeferredModule = typeof Deferred;

export const loadDeferred = (): Promise<DeferredModule> => import('./deferred.js');
