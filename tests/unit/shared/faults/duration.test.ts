import { describe, expect, it } from '@jest/globals';
import { formatDuration, parseDuration } from '../../../../shared/faults/duration.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['1.5s', 1500],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['5', undefined],
    ['5d', undefined],
    ['-5m', undefined],
    ['', undefined],
  ])('%j is %p ms', (text, ms) => {
    // Act / Assess
    expect(parseDuration(text)).toBe(ms);
  });

  it('writes durations back in the shortest exact unit', () => {
    // Act / Assess
    expect([900_000, 86_400_000, 1500, 30_000].map(formatDuration)).toEqual(['15m', '24h', '1500ms', '30s']);
  });
});
