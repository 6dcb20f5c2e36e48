import { describe, expect, it } from '@jest/globals';
import {
  backoffDelay,
  cryptoRandom,
  isIdempotent,
  isRetryableStatus,
} from '../../../../shared/http/retry-policy.js';

const BACKOFF = { baseMs: 100, maxMs: 1000 };
const ALMOST_ONE = 1 - Number.EPSILON;

describe('backoffDelay', () => {
  it.each([
    [1, 100],
    [2, 200],
    [3, 400],
    [4, 800],
    [5, 1000],
    [12, 1000],
  ])('keeps retry %i under its ceiling %i ms', (retry, ceiling) => {
    // Act
    const highest = backoffDelay(retry, BACKOFF, () => ALMOST_ONE);
    const lowest = backoffDelay(retry, BACKOFF, () => 0);

    // Assess
    expect(lowest).toBe(0);
    expect(highest).toBe(ceiling - 1);
  });

  it('scales the draw over the whole range (full jitter)', () => {
    // Act
    const delay = backoffDelay(3, BACKOFF, () => 0.5);

    // Assess
    expect(delay).toBe(200);
  });
});

describe('cryptoRandom', () => {
  it('draws in [0, 1)', () => {
    // Act
    const draws = Array.from({ length: 1000 }, cryptoRandom);

    // Assess
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
    expect(new Set(draws).size).toBeGreaterThan(990);
  });
});

describe('isIdempotent and isRetryableStatus', () => {
  it('treats GET, HEAD, PUT, DELETE as idempotent and POST, PATCH as not', () => {
    // Act
    const verdicts = ['get', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'POST', 'PATCH'].map(isIdempotent);

    // Assess
    expect(verdicts).toEqual([true, true, true, true, true, false, false]);
  });

  it('retries 5xx only', () => {
    // Act
    const verdicts = [200, 404, 422, 499, 500, 503, 599].map(isRetryableStatus);

    // Assess
    expect(verdicts).toEqual([false, false, false, false, true, true, true]);
  });
});
