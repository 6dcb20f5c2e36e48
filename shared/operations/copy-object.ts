import { CHECKSUM_ALGORITHMS, type ChecksumAlgorithm, type ObjectRecord } from '../metadata/ports.js';
import type { S3Services } from '../runtime/runtime.js';
import { checkCopySourceConditions } from '../s3/conditions.js';
import { assertCopySourceReadableWith, requestsEncryption } from '../s3/encryption.js';
import { S3Error } from '../s3/errors.js';
import { assertStorableKey, validateObjectKey } from '../s3/names.js';
import { assertCopyableSource } from '../s3/storage-class.js';
import { requireBucket } from './buckets.js';
import { copyObjectBytes } from './copy-body.js';
import { copiedAttributes } from './object-attributes.js';
import { objectHeadersFrom, userMetadataFrom } from './object-headers.js';
import { requireObjectVersion } from './read-object.js';
import { commitObject } from './store-object.js';
import { assertVersionIdFormat, type CommittedWrite, newVersionId, shownVersionId } from './versions.js';

export interface CopySource {
  bucket: string;
  key: string;
  /** `?versionId=` of the header: that version is copied instead of the current object. */
  versionId?: string;
}

/**
 * Parses `x-amz-copy-source`: `bucket/key` or `/bucket/key`, URL-encoded, with an optional
 * `?versionId=` (`null` names the null version).
 */
export function parseCopySource(header: string | undefined): CopySource {
  if (!header)
    throw new S3Error('InvalidArgument', {
      message: 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey',
    });
  const [path = '', query = ''] = header.split('?', 2);
  const versionId = new URLSearchParams(query).get('versionId');
  let decoded: string;
  try {
    decoded = decodeURIComponent(path.startsWith('/') ? path.slice(1) : path);
  } catch {
    throw new S3Error('InvalidArgument', { message: 'Invalid copy source encoding' });
  }
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) {
    throw new S3Error('InvalidArgument', {
      message: 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey',
    });
  }
  if (versionId !== null) assertVersionIdFormat(versionId);
  const key = decoded.slice(slash + 1);
  assertStorableKey(key);
  const bucket = decoded.slice(0, slash);
  return versionId === null ? { bucket, key } : { bucket, key, versionId };
}

/** A CopyObject's outcome: the new object, and the source version it was copied from. */
export interface CopiedObject extends CommittedWrite {
  source: ObjectRecord;
  /** The source bucket is (or was) versioned: S3 then names the source version it copied. */
  sourceVersioned: boolean;
}

export interface CopyObjectInput {
  bucket: string;
  key: string;
  headers: Record<string, string>;
  source: CopySource;
}

/** CopyObject with metadata directive COPY (default) or REPLACE, and copy-source conditions. */
export async function copyObject(services: S3Services, input: CopyObjectInput): Promise<CopiedObject> {
  const { bucket, key, headers, source } = input;
  validateObjectKey(key);
  const directive = (headers['x-amz-metadata-directive'] ?? 'COPY').toUpperCase();
  if (directive !== 'COPY' && directive !== 'REPLACE') {
    throw new S3Error('InvalidArgument', {
      message: 'Unknown metadata directive.',
      detail: { ArgumentName: 'x-amz-metadata-directive', ArgumentValue: directive },
    });
  }
  const target = await requireBucket(services, bucket);
  const original = await copySourceVersion(services, source);
  checkCopySourceConditions(headers, original);
  assertCopyableSource(original);
  assertCopySourceReadableWith(headers, original);
  // Copying an older version onto its own key is how a version is restored: allowed as it is.
  if (
    source.bucket === bucket &&
    source.key === key &&
    directive === 'COPY' &&
    !changesStorage(headers) &&
    (source.versionId === undefined || (await isCurrent(services, original)))
  ) {
    throw new S3Error('InvalidRequest', {
      message:
        "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    });
  }
  // Everything a bad header can refuse is settled before the copy's blob is written, so a refused
  // copy leaves no blob behind.
  const algorithm = requestedChecksumAlgorithm(headers) ?? original.checksum?.algorithm;
  const objectHeaders = directive === 'COPY' ? original.headers : objectHeadersFrom(headers);
  const userMetadata = directive === 'COPY' ? original.userMetadata : userMetadataFrom(headers);
  const attributes = copiedAttributes(headers, original, target);
  const copied = await copyObjectBytes(services, original, undefined, algorithm);
  const object: ObjectRecord = {
    bucket,
    key,
    size: original.size,
    etag: `"${copied.md5Hex}"`,
    lastModified: services.clock.now(),
    headers: objectHeaders,
    userMetadata,
    ...(copied.checksum ? { checksum: copied.checksum } : {}),
    segments: [copied.segment],
    ...attributes,
  };
  const versionId = newVersionId(services, target);
  if (versionId !== undefined) object.versionId = versionId;
  await commitObject(services, object, async () => ({
    replaced: await services.metadata.putObject(object, undefined, target.versioning),
  }));
  const sourceBucket = source.bucket === bucket ? target : await services.metadata.getBucket(source.bucket);
  return {
    object,
    bucket: target,
    source: original,
    sourceVersioned: sourceBucket?.versioning !== undefined,
  };
}

/**
 * The version a copy (CopyObject, UploadPartCopy) reads: the current object, or the one `?versionId=` names. A delete marker
 * named by id is refused with S3's InvalidRequest (it has no bytes to copy).
 */
export async function copySourceVersion(services: S3Services, source: CopySource): Promise<ObjectRecord> {
  try {
    return await requireObjectVersion(services, source.bucket, source.key, source.versionId);
  } catch (error) {
    if (error instanceof S3Error && error.code === 'MethodNotAllowed') {
      throw new S3Error('InvalidRequest', {
        message: 'The source of a copy request may not specifically refer to a delete marker by version id.',
        cause: error,
      });
    }
    throw error;
  }
}

async function isCurrent(services: S3Services, version: ObjectRecord): Promise<boolean> {
  const current = await services.metadata.getObject(version.bucket, version.key);
  return current !== undefined && shownVersionId(current) === shownVersionId(version);
}

/** A copy onto itself is legal when it changes the storage class or the encryption (S3's way to change them). */
function changesStorage(headers: Record<string, string>): boolean {
  return headers['x-amz-storage-class'] !== undefined || requestsEncryption(headers);
}

/** The algorithm named by `x-amz-checksum-algorithm`, if any. */
export function requestedChecksumAlgorithm(headers: Record<string, string>): ChecksumAlgorithm | undefined {
  const name = headers['x-amz-checksum-algorithm']?.toUpperCase();
  if (name === undefined) return undefined;
  if (!(CHECKSUM_ALGORITHMS as readonly string[]).includes(name)) {
    throw new S3Error('InvalidRequest', { message: 'Checksum algorithm provided is unsupported.' });
  }
  return name as ChecksumAlgorithm;
}
