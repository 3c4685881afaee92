// The NAB scorer checked from outside: NAB's own published detector outputs (five detectors, the
// records each scored at or above NAB's threshold: test/fixtures/nab/published.json.gz, made by
// `node scripts/nab.mjs published`) scored by bench/nab/scorer.ts and normalised as NAB's runner
// does must give NAB's final_results.json, in all three profiles.
import { describe, expect, it } from 'vitest';
import { PUBLISHED, readPublishedFixture } from '../../bench/nab/published.js';
import { nabNormalise, scoreDetections } from '../../bench/nab/scorer.js';

const fixture = readPublishedFixture(new URL('../fixtures/nab/published.json.gz', import.meta.url).pathname);

describe('NAB scorer against NAB’s published results', () => {
  it('the fixture holds the 58 files, 116 windows, five detectors and three profiles', () => {
    expect(fixture.files).toHaveLength(58);
    expect(fixture.files.reduce((t, f) => t + f.windows.length, 0)).toBe(116);
    expect(Object.keys(fixture.detections).sort()).toEqual([...PUBLISHED].sort());
    expect(Object.keys(fixture.profiles).sort()).toEqual(['reward_low_FN_rate', 'reward_low_FP_rate', 'standard']);
  });

  for (const detector of PUBLISHED) {
    it(`${detector}: every profile's normalised score equals final_results.json to 1e-6`, () => {
      for (const [profile, p] of Object.entries(fixture.profiles)) {
        const { records } = fixture.detections[detector]![profile]!;
        const raw = fixture.files.reduce((t, f, i) => t + scoreDetections(f, records[i]!, p).score, 0);
        const score = nabNormalise(fixture.files, raw, fixture.nullRaw[profile]!, p);
        const published = fixture.final[detector]![profile]!;
        expect({ detector, profile, off: Math.abs(score - published) <= 1e-6 ? 0 : score - published }).toEqual({ detector, profile, off: 0 });
      }
    });
  }
});
