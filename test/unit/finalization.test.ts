import { beforeAll, describe, expect, it } from 'vitest';
import { createDetector, QuantileSketch, ready } from '../../src/analysis/index.js';
import { kernelsNow } from '../../src/analysis/runtime.js';
import { WASM_URL } from '../helpers/analysis.js';

beforeAll(() => ready({ wasm: WASM_URL, worker: false }));

const collect = async () => {
  (globalThis as { gc?: () => void }).gc!();
  await new Promise((r) => setTimeout(r, 0));
};

describe('FinalizationRegistry safety net', () => {
  it('frees sketches and detectors that were dropped without dispose(): memory stops growing', async () => {
    expect(typeof (globalThis as { gc?: unknown }).gc).toBe('function');
    // Each round leaves ~1.6 MB of buckets and an 800 KB window behind; 60 rounds would need
    // ~150 MB of linear memory if nothing were freed.
    const xs = Float64Array.from({ length: 200_000 }, (_, i) => 1 + i);
    const round = () => {
      const s = new QuantileSketch({ relativeAccuracy: 1e-4, maxBuckets: 1 << 20 });
      s.addMany(xs);
      const d = createDetector({ method: 'robust', window: 100_000 });
      d.pushMany(xs.subarray(0, 1000));
    };
    for (let i = 0; i < 10; i++) {
      round();
      await collect();
    }
    const before = kernelsNow('test').memoryBytes;
    for (let i = 0; i < 60; i++) {
      round();
      await collect();
    }
    expect(kernelsNow('test').memoryBytes).toBeLessThanOrEqual(before + (8 << 20));
  });
});
