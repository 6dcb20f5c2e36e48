import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import type { BucketRecord, ObjectRecord } from '../../../../shared/metadata/ports.js';
import {
  assertCopySourceReadableWith,
  assertPartEncryption,
  assertReadableWith,
  encryptionFrom,
  encryptionResponseHeaders,
} from '../../../../shared/s3/encryption.js';
import { s3ErrorOf } from './s3-error.js';

const ARN_PREFIX = 'arn:aws:kms:us-east-1:000000000000:';
const KEY = Buffer.alloc(32, 7);
const KEY_MD5 = createHash('md5').update(KEY).digest('base64');
const SSE_C = {
  'x-amz-server-side-encryption-customer-algorithm': 'AES256',
  'x-amz-server-side-encryption-customer-key': KEY.toString('base64'),
  'x-amz-server-side-encryption-customer-key-md5': KEY_MD5,
};
const plainBucket: BucketRecord = { name: 'b', createdAt: new Date(0) };
const kmsBucket: BucketRecord = {
  ...plainBucket,
  configs: { encryption: [{ algorithm: 'aws:kms', kmsMasterKeyId: 'bucket-key', bucketKeyEnabled: true }] },
};

function objectWith(encryption?: ObjectRecord['encryption']): ObjectRecord {
  return {
    bucket: 'b',
    key: 'k',
    size: 0,
    etag: '"e"',
    lastModified: new Date(0),
    headers: {},
    userMetadata: {},
    segments: [],
    ...(encryption ? { encryption } : {}),
  };
}

describe('encryptionFrom', () => {
  it.each([
    ['no header', {}],
    ['AES256', { 'x-amz-server-side-encryption': 'AES256' }],
  ])('stores nothing for %s in a bucket without a rule (SSE-S3, the default)', (_label, headers) => {
    expect(encryptionFrom(headers, plainBucket)).toBeUndefined();
  });

  it.each([
    ['a key id', 'k-1', `${ARN_PREFIX}key/k-1`],
    ['an alias', 'alias/a', `${ARN_PREFIX}alias/a`],
    ['an ARN', 'arn:aws:kms:eu-west-1:111122223333:key/x', 'arn:aws:kms:eu-west-1:111122223333:key/x'],
  ])('reports %s as a key ARN', (_label, keyId, arn) => {
    const headers = {
      'x-amz-server-side-encryption': 'aws:kms',
      'x-amz-server-side-encryption-aws-kms-key-id': keyId,
    };
    expect(encryptionFrom(headers, plainBucket)).toEqual({ algorithm: 'aws:kms', kmsKeyId: arn });
  });

  it('applies the bucket rule to a write without headers; the request bucket-key header overrides it', () => {
    expect(encryptionFrom({}, kmsBucket)).toEqual({
      algorithm: 'aws:kms',
      kmsKeyId: `${ARN_PREFIX}key/bucket-key`,
      bucketKeyEnabled: true,
    });
    expect(encryptionFrom({ 'x-amz-server-side-encryption-bucket-key-enabled': 'false' }, kmsBucket)).toEqual(
      {
        algorithm: 'aws:kms',
        kmsKeyId: `${ARN_PREFIX}key/bucket-key`,
      },
    );
  });

  it('lets a request AES256 win over a KMS bucket rule', () => {
    expect(encryptionFrom({ 'x-amz-server-side-encryption': 'AES256' }, kmsBucket)).toBeUndefined();
  });

  it('never gives DSSE-KMS a bucket key', () => {
    const headers = {
      'x-amz-server-side-encryption': 'aws:kms:dsse',
      'x-amz-server-side-encryption-bucket-key-enabled': 'true',
    };
    expect(encryptionFrom(headers, plainBucket)?.bucketKeyEnabled).toBeUndefined();
  });

  it('keeps the MD5 of an SSE-C key, never the key', () => {
    expect(encryptionFrom(SSE_C, kmsBucket)).toEqual({
      customerAlgorithm: 'AES256',
      customerKeyMd5: KEY_MD5,
    });
  });

  it('checks the key MD5 before the key length, as S3 does', () => {
    const short = {
      ...SSE_C,
      'x-amz-server-side-encryption-customer-key': Buffer.alloc(24).toString('base64'),
    };
    expect(s3ErrorOf(() => encryptionFrom(short, plainBucket)).message).toBe(
      'The calculated MD5 hash of the key did not match the hash that was provided.',
    );
  });

  it('refuses a bucket-key header that is not true or false', () => {
    const headers = {
      'x-amz-server-side-encryption': 'aws:kms',
      'x-amz-server-side-encryption-bucket-key-enabled': 'yes',
    };
    expect(s3ErrorOf(() => encryptionFrom(headers, plainBucket)).code).toBe('InvalidArgument');
  });
});

describe('encryptionResponseHeaders', () => {
  it('answers AES256 for an object that records no encryption', () => {
    expect(encryptionResponseHeaders(objectWith())).toEqual({ 'x-amz-server-side-encryption': 'AES256' });
  });

  it('sends the KMS context only when asked (writes)', () => {
    const object = objectWith({ algorithm: 'aws:kms', kmsKeyId: 'arn', kmsContext: 'e30=' });
    expect(encryptionResponseHeaders(object)['x-amz-server-side-encryption-context']).toBeUndefined();
    expect(
      encryptionResponseHeaders(object, { withContext: true })['x-amz-server-side-encryption-context'],
    ).toBe('e30=');
  });

  it('echoes algorithm and key MD5 of an SSE-C object, without x-amz-server-side-encryption', () => {
    expect(
      encryptionResponseHeaders(objectWith({ customerAlgorithm: 'AES256', customerKeyMd5: KEY_MD5 })),
    ).toEqual({
      'x-amz-server-side-encryption-customer-algorithm': 'AES256',
      'x-amz-server-side-encryption-customer-key-md5': KEY_MD5,
    });
  });
});

describe('reading with a customer key', () => {
  const sealed = objectWith({ customerAlgorithm: 'AES256', customerKeyMd5: KEY_MD5 });

  it.each([
    ['no key', {}, 'InvalidRequest', 400],
    [
      'another key',
      { ...SSE_C, 'x-amz-server-side-encryption-customer-key-md5': 'AAAAAAAAAAAAAAAAAAAAAA==' },
      'AccessDenied',
      403,
    ],
  ])('refuses an SSE-C object read with %s (%s)', (_label, headers, code, status) => {
    const error = s3ErrorOf(() => assertReadableWith(headers, sealed));
    expect([error.code, error.status]).toEqual([code, status]);
  });

  it('reads an SSE-C object with its key, and a copy source with the copy-source key', () => {
    expect(() => assertReadableWith(SSE_C, sealed)).not.toThrow();
    const copyHeaders = Object.fromEntries(
      Object.entries(SSE_C).map(([name, value]) => [name.replace('x-amz-', 'x-amz-copy-source-'), value]),
    );
    expect(() => assertCopySourceReadableWith(copyHeaders, sealed)).not.toThrow();
    expect(s3ErrorOf(() => assertCopySourceReadableWith(SSE_C, sealed)).code).toBe('InvalidRequest');
  });

  it('refuses x-amz-server-side-encryption on a read', () => {
    expect(
      s3ErrorOf(() => assertReadableWith({ 'x-amz-server-side-encryption': 'AES256' }, objectWith())).code,
    ).toBe('InvalidArgument');
  });

  it('needs the upload key on every part of an SSE-C upload, and none on other uploads', () => {
    expect(() => assertPartEncryption(SSE_C, sealed)).not.toThrow();
    expect(s3ErrorOf(() => assertPartEncryption({}, sealed)).code).toBe('InvalidRequest');
    expect(s3ErrorOf(() => assertPartEncryption(SSE_C, objectWith())).code).toBe('InvalidRequest');
  });
});
