import { describe, expect, it } from '@jest/globals';
import { originAnswerForStatus, originNetworkFailure } from '../../../../shared/origin/origin-answers.js';
import { OriginError } from '../../../../shared/origin/ports.js';

function thrown(work: () => unknown): OriginError {
  try {
    work();
  } catch (error) {
    if (error instanceof OriginError) return error;
    throw error;
  }
  throw new Error('expected an OriginError');
}

describe('originAnswerForStatus', () => {
  it('is "not found" for a 404 or NoSuchKey, never an error', () => {
    expect(originAnswerForStatus(404, undefined, 'o')).toEqual({ found: false });
    expect(originAnswerForStatus(404, 'NoSuchKey', 'o')).toEqual({ found: false });
  });

  it.each([
    [503, 'SlowDown'],
    [503, undefined],
    [429, undefined],
  ])('is a throttle for %d %s', (status, code) => {
    expect(thrown(() => originAnswerForStatus(status, code, 'o')).kind).toBe('throttled');
  });

  it.each([
    [500, 'InternalError'],
    [502, undefined],
    [403, 'AccessDenied'],
  ])('is a status failure naming %d %s', (status, code) => {
    const error = thrown(() => originAnswerForStatus(status, code, 'o'));
    expect(error.kind).toBe('status');
    expect(error.details).toEqual({ status, ...(code ? { code } : {}) });
    expect(error.message).toContain(String(status));
  });
});

describe('originNetworkFailure', () => {
  it('is unreachable for a refused connection, found in the cause chain', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const error = originNetworkFailure(new TypeError('fetch failed', { cause: refused }), 'o');
    expect([error.kind, error.message]).toEqual(['unreachable', 'origin o unreachable: ECONNREFUSED']);
  });

  it('is unreachable for a dropped connection the SDK names TimeoutError (code ECONNRESET)', () => {
    const hangUp = Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' });
    expect(originNetworkFailure(hangUp, 'o').kind).toBe('unreachable');
  });

  it('is a timeout for a timed-out socket', () => {
    expect(originNetworkFailure(Object.assign(new Error('t'), { code: 'ETIMEDOUT' }), 'o').kind).toBe(
      'timeout',
    );
  });
});
