// How the script-tag build (which cannot be split) reaches the on-demand code: the ESM build's
// on-demand.mjs, next to the script. The script's URL is read while it runs: later,
// document.currentScript no longer names it.
import type { OnDemandParts } from './on-demand.js';
import { base } from '../script-base.js';

export const loadParts = (): Promise<OnDemandParts> => import(new URL('./on-demand.mjs', base).href);
