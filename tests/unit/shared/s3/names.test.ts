import { describe, expect, it } from '@jest/globals';
import { validateBucketName, validateObjectKey } from '../../../../shared/s3/names.js';
import { s3ErrorOf } from './s3-error.js';

describe('validateBucketName', () => {
  it.each(['abc', 'my-bucket', 'my.bucket.1', '1bucket', 'a'.repeat(63), 'xn-bucket', 'bucket-s3alias-x'])(
    'accepts %s',
    (name) => {
      expect(() => validateBucketName(name)).not.toThrow();
    },
  );

  it.each([
    ['too short', 'ab'],
    ['too long', 'a'.repeat(64)],
    ['upper case', 'MyBucket'],
    ['an underscore', 'my_bucket'],
    ['a leading hyphen', '-bucket'],
    ['a trailing hyphen', 'bucket-'],
    ['a leading dot', '.bucket'],
    ['a trailing dot', 'bucket.'],
    ['two adjacent dots', 'my..bucket'],
    ['an IP address', '192.168.5.4'],
    ['the xn-- prefix', 'xn--bucket'],
    ['the sthree- prefix', 'sthree-bucket'],
    ['the amzn-s3-demo- prefix', 'amzn-s3-demo-bucket'],
    ['the -s3alias suffix', 'bucket-s3alias'],
    ['the --ol-s3 suffix', 'bucket--ol-s3'],
    ['the .mrap suffix', 'bucket.mrap'],
    ['the --x-s3 suffix', 'bucket--x-s3'],
    ['the --table-s3 suffix', 'bucket--table-s3'],
    ['a space', 'my bucket'],
    ['the empty name', ''],
  ])('rejects a name with %s as InvalidBucketName', (_name, name) => {
    // Act
    const error = s3ErrorOf(() => validateBucketName(name));

    // Assess
    expect([error.code, error.detail]).toEqual(['InvalidBucketName', { BucketName: name }]);
  });
});

describe('validateObjectKey', () => {
  it.each([
    ['one character', 'a'],
    ['1024 ASCII bytes', 'k'.repeat(1024)],
    ['1024 UTF-8 bytes of 2-byte characters', 'é'.repeat(512)],
    ['spaces, plus, percent and dots', ' a+b%20../c '],
  ])('accepts %s', (_name, key) => {
    expect(() => validateObjectKey(key)).not.toThrow();
  });

  it('rejects 1025 bytes with KeyTooLongError and the sizes', () => {
    // Act
    const error = s3ErrorOf(() => validateObjectKey('k'.repeat(1025)));

    // Assess
    expect([error.code, error.detail]).toEqual(['KeyTooLongError', { Size: '1025', MaxSizeAllowed: '1024' }]);
  });

  it('counts UTF-8 bytes, not characters', () => {
    // Act
    const error = s3ErrorOf(() => validateObjectKey('é'.repeat(513)));

    // Assess
    expect([error.code, error.detail.Size]).toEqual(['KeyTooLongError', '1026']);
  });

  it('rejects the empty key with InvalidArgument', () => {
    expect(s3ErrorOf(() => validateObjectKey('')).code).toBe('InvalidArgument');
  });

  it('rejects a key holding the NUL character with InvalidArgument', () => {
    expect(s3ErrorOf(() => validateObjectKey('a\u0000b')).code).toBe('InvalidArgument');
  });
});
