import type { BucketRecord, ObjectEncryption, ObjectRecord } from '../metadata/ports.js';

// Issue 15 contract stub: the ENCRYPT part implements these (SSE-S3, SSE-KMS, SSE-C headers).

/**
 * The encryption a write stores: its `x-amz-server-side-encryption*` headers (SSE-C key MD5
 * checked), else the bucket's default encryption.
 */
export function encryptionFrom(
  _headers: Record<string, string>,
  _bucket: BucketRecord,
): ObjectEncryption | undefined {
  return undefined;
}

/** The encryption headers S3 echoes on PUT, GET, HEAD, Copy and multipart responses. */
export function encryptionResponseHeaders(_object: Pick<ObjectRecord, 'encryption'>): Record<string, string> {
  return {};
}

/**
 * GET/HEAD of an SSE-C object must carry the same customer key (400 when missing, 403 when its
 * MD5 differs), as AWS answers; a plain object must not be read with one.
 */
export function assertReadableWith(_headers: Record<string, string>, _object: ObjectRecord): void {}
