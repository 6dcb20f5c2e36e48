import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { OriginIntegrityError, verifyOriginObject } from '../../../../shared/origin/origin-integrity.js';
import type { OriginObject } from '../../../../shared/origin/ports.js';
import { checksumBase64 } from '../../../../shared/s3/checksums.js';

const body = Buffer.from('the bytes the origin holds');
const md5 = createHash('md5').update(body).digest('hex');

function object(extra: Partial<OriginObject>): OriginObject {
  return { body, headers: {}, userMetadata: {}, ...extra };
}

describe('verifyOriginObject', () => {
  it('accepts bytes whose MD5 is the single-part ETag and whose full-object checksum matches', () => {
    expect(() =>
      verifyOriginObject(
        'k',
        object({
          etag: `"${md5}"`,
          checksum: { algorithm: 'CRC32', value: checksumBase64('CRC32', body), type: 'FULL_OBJECT' },
        }),
      ),
    ).not.toThrow();
  });

  it('refuses bytes whose MD5 differs from a single-part ETag', () => {
    expect(() => verifyOriginObject('k', object({ etag: `"${'0'.repeat(32)}"` }))).toThrow(
      OriginIntegrityError,
    );
  });

  it('refuses bytes whose full-object checksum differs', () => {
    const checksum = {
      algorithm: 'CRC32C' as const,
      value: checksumBase64('CRC32C', Buffer.from('x')),
      type: 'FULL_OBJECT' as const,
    };
    expect(() => verifyOriginObject('k', object({ etag: `"${md5}"`, checksum }))).toThrow(/CRC32C/);
  });

  it('takes a multipart ETag, a composite checksum and a non-MD5 ETag as given (they cannot be recomputed)', () => {
    expect(() =>
      verifyOriginObject(
        'k',
        object({
          etag: `"${'1'.repeat(32)}-2"`,
          checksum: { algorithm: 'CRC32', value: 'AAAAAA==-2', type: 'COMPOSITE' },
        }),
      ),
    ).not.toThrow();
    expect(() => verifyOriginObject('k', object({ etag: 'W/"opaque-http-etag"' }))).not.toThrow();
  });
});
