// How the script-tag build (which cannot be split) reaches the deferred code: deferred.min.mjs,
// built self-contained for it, next to the script (its URL read while the script runs).
import type * as Deferred from './deferred.js';
import { base } from '../script-base.js';

export const loadDeferred = (): Promise<typeof Deferred> => import(new URL('./deferred.min.mjs', base).href);
