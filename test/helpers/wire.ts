import type { WireEvent } from '../../src/delivery/types.js';

/** The i-th of a series of plain track events with valid, distinct UUIDv7 ids. */
export const wireEvent = (i: number): WireEvent => ({ id: `0190a000-0000-7000-8000-${String(i).padStart(12, '0')}`, type: 'track', name: `e${i}`, timestamp: new Date().toISOString(), properties: {} });
