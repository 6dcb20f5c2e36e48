import { describe, expect, it } from '@jest/globals';
import { InjectedFault, InjectedS3Error, s3ErrorFor } from '../../../../shared/faults/injected-fault.js';
import { S3Error } from '../../../../shared/s3/errors.js';

const origin = { ruleId: 'r1', scenario: 'drill', point: 'http.server' } as const;

describe('InjectedS3Error', () => {
  it('is an S3Error rendered as real S3 XML, with Retry-After when asked', () => {
    // Act
    const error = s3ErrorFor(origin, { type: 's3_error', code: 'SlowDown', retryAfter: 2 })!;

    // Assess
    expect(error).toBeInstanceOf(S3Error);
    expect(error).toBeInstanceOf(InjectedS3Error);
    expect(error).toMatchObject({
      code: 'SlowDown',
      status: 503,
      ruleId: 'r1',
      scenario: 'drill',
      injected: true,
    });
    expect(error.headers).toEqual({ 'Retry-After': '2' });
    expect(error.toXml('req-1')).toContain(
      '<Code>SlowDown</Code><Message>Please reduce your request rate.</Message>',
    );
  });

  it.each([
    [{ type: 's3_error', code: 'InternalError', message: 'boom' }, 'InternalError', 500],
    [{ type: 'reject', code: 'AccessDenied' }, 'AccessDenied', 403],
    [{ type: 'checksum_mismatch' }, 'BadDigest', 400],
    [{ type: 'checksum_mismatch', code: 'XAmzContentSHA256Mismatch' }, 'XAmzContentSHA256Mismatch', 400],
    [{ type: 'throttle', rps: 1, per: 'prefix' }, 'SlowDown', 503],
  ] as const)('answers %j with %s %d', (fault, code, status) => {
    // Act
    const error = s3ErrorFor(origin, fault)!;

    // Assess
    expect([error.code, error.status, error.headers]).toEqual([code, status, {}]);
  });

  it('gives no S3 error for faults its layer must handle', () => {
    // Act / Assess
    expect(s3ErrorFor(origin, { type: 'reset' })).toBeUndefined();
    expect(s3ErrorFor(origin, { type: 'http_status', status: 502 })).toBeUndefined();
  });
});

describe('InjectedFault', () => {
  it('carries the rule, scenario, point and an errno or SQLSTATE code', () => {
    // Act
    const io = new InjectedFault({ ...origin, point: 'node.read' }, { type: 'io_error', errno: 'EIO' });
    const db = new InjectedFault(
      { ruleId: 'r2', point: 'db.query' },
      { type: 'db_error', sqlstate: '40001' },
    );

    // Assess
    expect(io).toBeInstanceOf(Error);
    expect(io).toMatchObject({
      name: 'InjectedFault',
      ruleId: 'r1',
      scenario: 'drill',
      point: 'node.read',
      code: 'EIO',
    });
    expect(db).toMatchObject({ code: '40001', scenario: undefined });
    expect(new InjectedFault(origin, { type: 'node_down' }).code).toBeUndefined();
  });
});
