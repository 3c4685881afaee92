// How the ESM builds reach the sending side of delivery (sending.ts): a dynamic import every
// bundler turns into a chunk. The script tag's way is load-sending.iife.ts.
import type * as SendingModule from './sending.js';

export const loadSending = (): Promise<typeof SendingModule> => import('./sending.js');
