// How the script-tag build (which cannot be split) reaches the sending side of delivery:
// sending.min.mjs, built self-contained for it, next to the script (its URL read while the
// script runs).
import type * as SendingModule from './sending.js';
import { base } from '../script-base.js';

export const loadSending = (): Promise<typeof SendingModule> => import(new URL('./sending.min.mjs', base).href);
