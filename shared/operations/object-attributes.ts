import type { BucketRecord, ObjectRecord } from '../metadata/ports.js';
import { aclFromHeaders } from '../s3/acl.js';
import { encryptionFrom } from '../s3/encryption.js';
import { storageClassFrom } from '../s3/storage-class.js';
import { tagsForCopy, tagsFromHeader } from '../s3/tagging.js';

/** What a write stores beside bytes and headers: tags, storage class, encryption, ACL. */
export type WrittenAttributes = Pick<ObjectRecord, 'tags' | 'storageClass' | 'encryption' | 'acl'>;

/**
 * The attributes PutObject, POST Object and CreateMultipartUpload store, from the request's
 * headers (and the bucket's default encryption). Each is left out when the request gives none.
 */
export function writtenAttributes(headers: Record<string, string>, bucket: BucketRecord): WrittenAttributes {
  return present({
    tags: tagsFromHeader(headers['x-amz-tagging']),
    storageClass: storageClassFrom(headers),
    encryption: encryptionFrom(headers, bucket),
    acl: aclFromHeaders(headers, bucket),
  });
}

/**
 * The attributes CopyObject gives its target: tags by `x-amz-tagging-directive`; storage class,
 * encryption and ACL from the copy request only (S3 does not carry them over from the source).
 */
export function copiedAttributes(
  headers: Record<string, string>,
  source: ObjectRecord,
  bucket: BucketRecord,
): WrittenAttributes {
  return present({
    tags: tagsForCopy(headers, source),
    storageClass: storageClassFrom(headers),
    encryption: encryptionFrom(headers, bucket),
    acl: aclFromHeaders(headers, bucket),
  });
}

function present(attributes: WrittenAttributes): WrittenAttributes {
  const kept: WrittenAttributes = {};
  if (attributes.tags !== undefined && attributes.tags.length > 0) kept.tags = attributes.tags;
  if (attributes.storageClass !== undefined) kept.storageClass = attributes.storageClass;
  if (attributes.encryption !== undefined) kept.encryption = attributes.encryption;
  if (attributes.acl !== undefined) kept.acl = attributes.acl;
  return kept;
}
