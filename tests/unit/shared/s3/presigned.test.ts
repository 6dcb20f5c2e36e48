import { describe, expect, it } from '@jest/globals';
import { assertPresignedUnexpired } from '../../../../shared/s3/presigned.js';
import { s3ErrorOf } from './s3-error.js';

const NOW = new Date('2026-12-07T10:00:00.000Z');

function sigV4(date: string, expires: string): URLSearchParams {
  return new URLSearchParams({
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': 'test/20261207/us-east-1/s3/aws4_request',
    'X-Amz-Date': date,
    'X-Amz-Expires': expires,
    'X-Amz-SignedHeaders': 'host',
    'X-Amz-Signature': 'ab',
  });
}

describe('assertPresignedUnexpired', () => {
  it('a request that is not presigned passes, whatever its query', () => {
    expect(() => assertPresignedUnexpired(new URLSearchParams('list-type=2&Expires=1'), NOW)).not.toThrow();
  });

  it('SigV4: valid up to and including X-Amz-Date + X-Amz-Expires, expired one second later', () => {
    // Act
    const atTheEnd = () => assertPresignedUnexpired(sigV4('20261207T095900Z', '60'), NOW);
    const error = s3ErrorOf(() => assertPresignedUnexpired(sigV4('20261207T095859Z', '60'), NOW));

    // Assess
    expect(atTheEnd).not.toThrow();
    expect(error.code).toBe('AccessDenied');
    expect(error.message).toBe('Request has expired');
    expect(error.detail).toEqual({
      'X-Amz-Expires': '60',
      Expires: '2026-12-07T09:59:59Z',
      ServerTime: '2026-12-07T10:00:00Z',
    });
  });

  it.each([
    ['20261231T250000Z', '60'],
    ['20260230T000000Z', '60'],
    ['20261207T100000', '60'],
  ])('X-Amz-Date %s -> AuthorizationQueryParametersError', (date, expires) => {
    expect(s3ErrorOf(() => assertPresignedUnexpired(sigV4(date, expires), NOW)).code).toBe(
      'AuthorizationQueryParametersError',
    );
  });

  it('another algorithm -> AuthorizationQueryParametersError naming the one S3 takes', () => {
    // Prepare
    const query = sigV4('20261207T095900Z', '60');
    query.set('X-Amz-Algorithm', 'AWS4-HMAC-SHA1');

    // Assess
    expect(s3ErrorOf(() => assertPresignedUnexpired(query, NOW)).message).toBe(
      'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"',
    );
  });

  it('SigV2: Expires is epoch seconds; past it -> AccessDenied with Expires and ServerTime only', () => {
    // Prepare
    const query = (expires: number) =>
      new URLSearchParams({ AWSAccessKeyId: 'test', Expires: String(expires), Signature: 'x' });
    const now = NOW.getTime() / 1000;

    // Act
    const error = s3ErrorOf(() => assertPresignedUnexpired(query(now - 1), NOW));

    // Assess
    expect(() => assertPresignedUnexpired(query(now), NOW)).not.toThrow();
    expect(error.detail).toEqual({ Expires: '2026-12-07T09:59:59Z', ServerTime: '2026-12-07T10:00:00Z' });
  });
});
