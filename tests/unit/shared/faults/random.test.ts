import { describe, expect, it } from '@jest/globals';
import { decide, seedFromId } from '../../../../shared/faults/random.js';

describe('decide', () => {
  it('is a pure function of seed, rule id and match index', () => {
    // Act
    const first = Array.from({ length: 50 }, (_, i) => decide(42, 'rule-a', i));
    const again = Array.from({ length: 50 }, (_, i) => decide(42, 'rule-a', i));

    // Assess
    expect(again).toEqual(first);
    for (const u of first) {
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
    }
  });

  it('changes with each input', () => {
    // Act / Assess
    expect(decide(42, 'rule-a', 7)).not.toBe(decide(43, 'rule-a', 7));
    expect(decide(42, 'rule-a', 7)).not.toBe(decide(42, 'rule-b', 7));
    expect(decide(42, 'rule-a', 7)).not.toBe(decide(42, 'rule-a', 8));
    expect(decide(1, 'rule-a', 7)).not.toBe(decide(2 ** 32 + 1, 'rule-a', 7));
    expect(decide('42', 'rule-a', 7)).not.toBe(decide(42, 'rule-a', 7));
  });

  it('is uniform: every tenth of [0,1) gets its share', () => {
    // Prepare
    const buckets = new Array(10).fill(0);
    const n = 100_000;

    // Act
    for (let i = 0; i < n; i++) buckets[Math.floor(decide(7, 'rule-u', i) * 10)] += 1;

    // Assess: chi-square with 9 degrees of freedom, p = 0.001 threshold 27.9
    const expected = n / 10;
    const chi2 = buckets.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(27.9);
  });

  it('has no correlation between consecutive draws', () => {
    // Prepare
    const n = 50_000;
    const draws = Array.from({ length: n + 1 }, (_, i) => decide(99, 'rule-c', i));

    // Act
    let sum = 0;
    for (let i = 0; i < n; i++) sum += (draws[i]! - 0.5) * (draws[i + 1]! - 0.5);
    const correlation = sum / n / (1 / 12);

    // Assess
    expect(Math.abs(correlation)).toBeLessThan(0.03);
  });
});

describe('seedFromId', () => {
  it('derives a stable 32-bit seed from the rule id', () => {
    // Act / Assess
    expect(seedFromId('slow-writes-1')).toBe(seedFromId('slow-writes-1'));
    expect(seedFromId('slow-writes-1')).not.toBe(seedFromId('slow-writes-2'));
    expect(Number.isInteger(seedFromId('x'))).toBe(true);
  });
});
