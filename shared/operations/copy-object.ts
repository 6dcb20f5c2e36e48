import { CHECKSUM_ALGORITHMS, type ChecksumAlgorithm, type ObjectRecord } from '../metadata/ports.js';
import type { S3Services } from '../runtime/runtime.js';
import { checksumBase64, md5Hex } from '../s3/checksums.js';
import { checkCopySourceConditions } from '../s3/conditions.js';
import { assertCopySourceReadableWith, requestsEncryption } from '../s3/encryption.js';
import { S3Error } from '../s3/errors.js';
import { assertStorableKey, validateObjectKey } from '../s3/names.js';
import { assertCopyableSource } from '../s3/storage-class.js';
import { requireBucket } from './buckets.js';
import { copiedAttributes } from './object-attributes.js';
import { objectHeadersFrom, userMetadataFrom } from './object-headers.js';
import { readObjectBytes, requireObject } from './read-object.js';
import { commitObject, writeBlob } from './store-object.js';

export interface CopySource {
  bucket: string;
  key: string;
}

/**
 * Parses `x-amz-copy-source`: `bucket/key` or `/bucket/key`, URL-encoded, with an optional
 * `?versionId=` (only `null` exists here, as nothing is versioned).
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
  if (versionId !== null && versionId !== 'null') {
    throw new S3Error('InvalidArgument', { message: 'Invalid version id specified' });
  }
  const key = decoded.slice(slash + 1);
  assertStorableKey(key);
  return { bucket: decoded.slice(0, slash), key };
}

export interface CopyObjectInput {
  bucket: string;
  key: string;
  headers: Record<string, string>;
  source: CopySource;
}

/** CopyObject with metadata directive COPY (default) or REPLACE, and copy-source conditions. */
export async function copyObject(services: S3Services, input: CopyObjectInput): Promise<ObjectRecord> {
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
  const original = await requireObject(services, source.bucket, source.key);
  checkCopySourceConditions(headers, original);
  assertCopyableSource(original);
  assertCopySourceReadableWith(headers, original);
  if (source.bucket === bucket && source.key === key && directive === 'COPY' && !changesStorage(headers)) {
    throw new S3Error('InvalidRequest', {
      message:
        "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    });
  }
  const bytes = await readObjectBytes(services, original);
  const segment = await writeBlob(services, bytes);
  const algorithm = requestedChecksumAlgorithm(headers) ?? original.checksum?.algorithm;
  const object: ObjectRecord = {
    bucket,
    key,
    size: bytes.length,
    etag: `"${md5Hex(bytes)}"`,
    lastModified: services.clock.now(),
    headers: directive === 'COPY' ? original.headers : objectHeadersFrom(headers),
    userMetadata: directive === 'COPY' ? original.userMetadata : userMetadataFrom(headers),
    ...(algorithm
      ? { checksum: { algorithm, value: checksumBase64(algorithm, bytes), type: 'FULL_OBJECT' as const } }
      : {}),
    segments: [segment],
    ...copiedAttributes(headers, original, target),
  };
  await commitObject(services, object, async () => ({ replaced: await services.metadata.putObject(object) }));
  return object;
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
