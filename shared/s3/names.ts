/**
 * Bucket and key naming rules of S3 general-purpose buckets:
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html
 */
import { S3Error } from './errors.js';

export const MAX_KEY_BYTES = 1024;

const BUCKET_CHARACTERS = /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/;
const IP_ADDRESS = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'] as const;
const RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'] as const;

/** Whether `name` is a valid general-purpose bucket name. */
export function isValidBucketName(name: string): boolean {
  return (
    name.length >= 3 &&
    name.length <= 63 &&
    BUCKET_CHARACTERS.test(name) &&
    !name.includes('..') &&
    !IP_ADDRESS.test(name) &&
    !RESERVED_PREFIXES.some((prefix) => name.startsWith(prefix)) &&
    !RESERVED_SUFFIXES.some((suffix) => name.endsWith(suffix))
  );
}

/**
 * Checks a bucket name for CreateBucket: 3-63 characters of lowercase letters, digits, dots and
 * hyphens, starting and ending with a letter or digit, no `..`, not an IP address, none of the
 * reserved prefixes (`xn--`, `sthree-`, `amzn-s3-demo-`) or suffixes (`-s3alias`, `--ol-s3`,
 * `.mrap`, `--x-s3`, `--table-s3`).
 *
 * @throws S3Error InvalidBucketName, with `<BucketName>` as S3 sends it
 */
export function validateBucketName(name: string): void {
  if (!isValidBucketName(name)) throw new S3Error('InvalidBucketName', { detail: { BucketName: name } });
}

/**
 * Checks an object key: at most 1024 bytes of UTF-8, and not empty.
 *
 * An empty key never reaches an object operation in S3 (the request addresses the bucket), so
 * where one can be named — a DeleteObjects entry, a copy source — it is an InvalidArgument.
 *
 * @throws S3Error KeyTooLongError (with `<Size>` and `<MaxSizeAllowed>`), InvalidArgument
 */
export function validateObjectKey(key: string): void {
  if (key.length === 0) {
    throw new S3Error('InvalidArgument', { message: 'The object key must not be empty.' });
  }
  assertStorableKey(key);
  // A JS string holds at most 3 UTF-8 bytes per UTF-16 unit: skip the count for short keys.
  if (key.length * 3 <= MAX_KEY_BYTES) return;
  const size = Buffer.byteLength(key, 'utf8');
  if (size > MAX_KEY_BYTES) {
    throw new S3Error('KeyTooLongError', {
      detail: { Size: String(size), MaxSizeAllowed: String(MAX_KEY_BYTES) },
    });
  }
}

/**
 * Refuses a key holding the NUL character (`%00`) with InvalidArgument, for every operation that
 * names a key: PostgreSQL text cannot hold NUL, so such a key could never be stored, and without
 * this check the metadata layer's refusal surfaced as a 500 InternalError.
 */
export function assertStorableKey(key: string): void {
  if (key.includes('\u0000')) {
    throw new S3Error('InvalidArgument', {
      message: 'Object keys must not contain the NUL character (%00): this server cannot store it.',
    });
  }
}
