// How the ESM builds reach the on-demand code: a dynamic import every bundler turns into a chunk.
import type { OnDemandParts } from './on-demand.js';

export const loadParts = (): Promise<OnDemandParts> => import('./on-demand.js');
