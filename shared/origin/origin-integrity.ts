import { checksumBase64, md5Hex } from '../s3/checksums.js';
import type { OriginObject } from './ports.js';

/**
 * Bytes from the origin that do not match what the origin said about them (its MD5 ETag, its
 * full-object checksum, its Content-Length): served as a 503 and never written back.
 */
export class OriginIntegrityError extends Error {
  override readonly name = 'OriginIntegrityError';
}

/** A single-part ETag: the quoted hex MD5 of the body (a multipart one ends in `-N`). */
const SINGLE_PART_ETAG = /^"?([0-9a-f]{32})"?$/i;

/**
 * Checks an origin's object against what the origin said about it: the MD5 of a single-part ETag
 * and a full-object checksum. A multipart ETag or a composite checksum cannot be recomputed from
 * the whole body, so those are taken as given; an ETag that is no MD5 (an `http` origin's, or
 * an encrypted object's) is not checked. Throws OriginIntegrityError on a mismatch.
 */
export function verifyOriginObject(key: string, object: OriginObject): void {
  const md5 = object.etag === undefined ? undefined : SINGLE_PART_ETAG.exec(object.etag)?.[1];
  if (md5 !== undefined && md5Hex(object.body).toLowerCase() !== md5.toLowerCase()) {
    throw new OriginIntegrityError(`the origin's bytes of ${key} do not match its ETag ${object.etag}`);
  }
  const checksum = object.checksum;
  if (
    checksum?.type === 'FULL_OBJECT' &&
    checksumBase64(checksum.algorithm, object.body) !== checksum.value
  ) {
    throw new OriginIntegrityError(
      `the origin's bytes of ${key} do not match its ${checksum.algorithm} checksum ${checksum.value}`,
    );
  }
}
