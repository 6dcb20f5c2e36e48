import type {
  BucketRecord,
  ChecksumType,
  ObjectRecord,
  PartRecord,
  Segment,
  StoredChecksum,
  UploadRecord,
  WriteCondition,
} from '../metadata/ports.js';
import type { S3Services } from '../runtime/runtime.js';
import { combineFullObjectCrc, compositeChecksum, multipartEtag } from '../s3/checksums.js';
import { checkCopySourceConditions } from '../s3/conditions.js';
import { assertCopySourceReadableWith, assertPartEncryption } from '../s3/encryption.js';
import { S3Error, type S3ErrorCode } from '../s3/errors.js';
import { validateObjectKey } from '../s3/names.js';
import { parseCompleteMultipartUpload } from '../s3/request-xml.js';
import { assertCopyableSource } from '../s3/storage-class.js';
import type { BlobSource } from '../storage/ports.js';
import { requireBucket } from './buckets.js';
import { copyObjectBytes } from './copy-body.js';
import { type CopySource, copySourceVersion, requestedChecksumAlgorithm } from './copy-object.js';
import { writtenAttributes } from './object-attributes.js';
import { objectHeadersFrom, userMetadataFrom } from './object-headers.js';
import { commitObject, discardBlobs, releaseBlobs, writeUpload } from './store-object.js';
import { type CommittedWrite, newVersionId, shownVersionId } from './versions.js';
import {
  checkWriteConditions,
  commitCondition,
  commitConditionally,
  writeConditionsOf,
} from './write-conditions.js';

/** Every part but the last must be at least 5 MiB (S3's limit). */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
export const MAX_PART_SIZE = 5 * 1024 ** 3;
export const MAX_PART_NUMBER = 10_000;

export interface UploadAddress {
  bucket: string;
  key: string;
  uploadId: string;
}

export async function createMultipartUpload(
  services: S3Services,
  input: { bucket: string; key: string; headers: Record<string, string> },
): Promise<UploadRecord> {
  const { bucket, key, headers } = input;
  validateObjectKey(key);
  const bucketRecord = await requireBucket(services, bucket);
  const checksumAlgorithm = requestedChecksumAlgorithm(headers);
  const checksumType = checksumTypeOf(headers, checksumAlgorithm);
  const upload: UploadRecord = {
    uploadId: services.newId(),
    bucket,
    key,
    initiated: services.clock.now(),
    headers: objectHeadersFrom(headers),
    userMetadata: userMetadataFrom(headers),
    ...(checksumAlgorithm ? { checksumAlgorithm } : {}),
    ...(checksumType ? { checksumType } : {}),
    ...writtenAttributes(headers, bucketRecord),
  };
  await services.metadata.createUpload(upload);
  return upload;
}

/**
 * The checksum type of an upload: `x-amz-checksum-type`, else S3's default for the algorithm
 * (CRC64NVME only exists as FULL_OBJECT; the others default to COMPOSITE).
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
 */
function checksumTypeOf(
  headers: Record<string, string>,
  algorithm: string | undefined,
): ChecksumType | undefined {
  const requested = headers['x-amz-checksum-type']?.toUpperCase();
  if (requested !== undefined && requested !== 'FULL_OBJECT' && requested !== 'COMPOSITE') {
    throw new S3Error('InvalidRequest', { message: 'Value for x-amz-checksum-type header is invalid.' });
  }
  if (!algorithm) {
    if (requested)
      throw new S3Error('InvalidRequest', {
        message: 'The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.',
      });
    return undefined;
  }
  const type =
    (requested as ChecksumType | undefined) ?? (algorithm === 'CRC64NVME' ? 'FULL_OBJECT' : 'COMPOSITE');
  const fullObjectOnly = algorithm === 'CRC64NVME';
  const compositeOnly = algorithm === 'SHA1' || algorithm === 'SHA256';
  if ((fullObjectOnly && type === 'COMPOSITE') || (compositeOnly && type === 'FULL_OBJECT')) {
    throw new S3Error('InvalidRequest', {
      message: `The ${type} checksum type cannot be used with the ${algorithm.toLowerCase()} checksum algorithm.`,
    });
  }
  return type;
}

export async function requireUpload(services: S3Services, address: UploadAddress): Promise<UploadRecord> {
  const upload = await services.metadata.getUpload(address.bucket, address.key, address.uploadId);
  if (upload) return upload;
  await requireBucket(services, address.bucket);
  throw new S3Error('NoSuchUpload', { resource: address.uploadId, detail: { UploadId: address.uploadId } });
}

export function parsePartNumber(raw: string | undefined): number {
  const partNumber = Number(raw);
  if (!raw || !Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
    throw new S3Error('InvalidArgument', {
      message: 'Part number must be an integer between 1 and 10000, inclusive',
      detail: { ArgumentName: 'partNumber', ArgumentValue: raw ?? '' },
    });
  }
  return partNumber;
}

/** A part as stored, with the upload it belongs to (whose encryption the response echoes). */
export interface UploadedPart {
  part: PartRecord;
  upload: UploadRecord;
  /** UploadPartCopy from a bucket that is or was versioned: the source version copied. */
  copySourceVersionId?: string;
}

export async function uploadPart(
  services: S3Services,
  input: UploadAddress & {
    partNumber: number;
    headers: Record<string, string>;
    rawBody: Buffer | BlobSource;
  },
): Promise<UploadedPart> {
  const upload = await requireUpload(services, input);
  assertPartEncryption(input.headers, upload);
  // Composite checksums need every part's checksum in the upload's algorithm: compute it if absent.
  const stored = await writeUpload(services, input.headers, input.rawBody, {
    maxSize: MAX_PART_SIZE,
    ...(upload.checksumAlgorithm && { alsoCompute: upload.checksumAlgorithm }),
  });
  const part = await storePart(
    services,
    upload,
    input.partNumber,
    stored.segment,
    stored.md5Hex,
    stored.checksum,
  );
  return { part, upload };
}

export async function uploadPartCopy(
  services: S3Services,
  input: UploadAddress & { partNumber: number; headers: Record<string, string>; source: CopySource },
): Promise<UploadedPart> {
  const upload = await requireUpload(services, input);
  assertPartEncryption(input.headers, upload);
  const original = await copySourceVersion(services, input.source);
  checkCopySourceConditions(input.headers, original);
  assertCopyableSource(original);
  assertCopySourceReadableWith(input.headers, original);
  const range = parseCopySourceRange(input.headers['x-amz-copy-source-range'], original.size);
  const copied = await copyObjectBytes(services, original, range, upload.checksumAlgorithm);
  const part = await storePart(
    services,
    upload,
    input.partNumber,
    copied.segment,
    copied.md5Hex,
    copied.checksum,
  );
  const sourceBucket = await services.metadata.getBucket(input.source.bucket);
  return sourceBucket?.versioning
    ? { part, upload, copySourceVersionId: shownVersionId(original) }
    : { part, upload };
}

/** `x-amz-copy-source-range: bytes=first-last`, both required and inside the source object. */
function parseCopySourceRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d+)-(\d+)$/.exec(header.trim());
  if (!match) {
    throw new S3Error('InvalidArgument', {
      message:
        'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy',
    });
  }
  const start = Number(match[1]);
  const end = Number(match[2]);
  if (start > end || end >= size) {
    throw new S3Error('InvalidRange', { detail: { ActualObjectSize: String(size), RangeRequested: header } });
  }
  return { start, end };
}

async function storePart(
  services: S3Services,
  upload: UploadRecord,
  partNumber: number,
  segment: Segment,
  md5: string,
  checksum: StoredChecksum | undefined,
): Promise<PartRecord> {
  const part: PartRecord = {
    uploadId: upload.uploadId,
    partNumber,
    blobId: segment.blobId,
    size: segment.size,
    etag: `"${md5}"`,
    lastModified: services.clock.now(),
    ...(checksum ? { checksum } : {}),
  };
  let replaced: PartRecord | undefined;
  try {
    replaced = await services.metadata.putPart(part);
  } catch (error) {
    await discardBlobs(services, [segment.blobId]);
    throw error;
  }
  if (replaced) await releaseBlobs(services, [replaced.blobId]);
  return part;
}

/**
 * CompleteMultipartUpload: parts listed in ascending order, each uploaded with the given ETag,
 * all but the last at least 5 MiB. The object is the parts' blobs in order (no bytes are copied);
 * ETag is the MD5 of the parts' MD5s with `-N`; the checksum is composite or full-object.
 * If-None-Match: * / If-Match make it a conditional write (write-conditions.ts). Repeated after it
 * succeeded, with the same parts, it answers as the first time (completedBefore).
 */
export async function completeMultipartUpload(
  services: S3Services,
  input: UploadAddress & { headers: Record<string, string>; body: Buffer },
): Promise<CommittedWrite> {
  const conditions = writeConditionsOf(input.headers);
  // Cached; its versioning decides whether the object becomes a new version.
  const bucket = await requireBucket(services, input.bucket);
  try {
    return { object: await completeUpload(services, input, conditions, bucket), bucket };
  } catch (error) {
    // Sent again after it succeeded, or while it was completing (a client retrying a slow answer),
    // the request finds the upload gone, or its parts gone, or the key written (by itself) partway:
    // if the key's current version is this upload's, with these parts, answer as it was answered.
    if (error instanceof S3Error && GONE_WHEN_REPEATED.has(error.code)) {
      const completed = await completedBefore(services, input);
      if (completed) return { object: completed, bucket };
    }
    throw error;
  }
}

/** What a repeat of a CompleteMultipartUpload that succeeded meets, depending on when it runs. */
const GONE_WHEN_REPEATED: ReadonlySet<S3ErrorCode> = new Set([
  'NoSuchUpload',
  'InvalidPart',
  'PreconditionFailed',
  'ConditionalRequestConflict',
]);

async function completeUpload(
  services: S3Services,
  input: UploadAddress & { headers: Record<string, string>; body: Buffer },
  conditions: WriteCondition[],
  bucket: BucketRecord,
): Promise<ObjectRecord> {
  const upload = await requireUpload(services, input);
  const requested = parseCompleteMultipartUpload(input.body).parts;
  if (requested.length === 0) {
    throw new S3Error('MalformedXML', { message: 'You must specify at least one part' });
  }
  await checkWriteConditions(services, upload, conditions);
  const stored = new Map(
    (await services.metadata.listParts(upload.uploadId)).map((part) => [part.partNumber, part]),
  );
  const parts: PartRecord[] = [];
  for (const [index, wanted] of requested.entries()) {
    if (index > 0 && wanted.partNumber <= requested[index - 1]!.partNumber)
      throw new S3Error('InvalidPartOrder');
    const part = stored.get(wanted.partNumber);
    if (!part || unquote(part.etag) !== unquote(wanted.etag)) {
      throw new S3Error('InvalidPart', {
        detail: { UploadId: upload.uploadId, PartNumber: String(wanted.partNumber), ETag: wanted.etag },
      });
    }
    for (const [algorithm, value] of Object.entries(wanted.checksums)) {
      if (part.checksum && part.checksum.algorithm === algorithm && part.checksum.value !== value) {
        throw new S3Error('InvalidPart', {
          message: `The ${algorithm.toLowerCase()} you specified for part ${wanted.partNumber} did not match what was uploaded.`,
        });
      }
    }
    parts.push(part);
  }
  for (const part of parts.slice(0, -1)) {
    if (part.size < MIN_PART_SIZE) {
      throw new S3Error('EntityTooSmall', {
        detail: {
          ProposedSize: String(part.size),
          MinSizeAllowed: String(MIN_PART_SIZE),
          PartNumber: String(part.partNumber),
          ETag: part.etag,
        },
      });
    }
  }
  const checksum = completedChecksum(upload, parts, input.headers);
  const object: ObjectRecord = {
    bucket: upload.bucket,
    key: upload.key,
    size: parts.reduce((total, part) => total + part.size, 0),
    etag: multipartEtag(parts.map((part) => part.etag)),
    lastModified: services.clock.now(),
    headers: upload.headers,
    userMetadata: upload.userMetadata,
    ...(checksum ? { checksum } : {}),
    segments: parts.map((part) => segmentOfPart(part, checksum)),
    partsCount: parts.length,
    completedUpload: { uploadId: upload.uploadId, partNumbers: parts.map((part) => part.partNumber) },
    ...(upload.tags ? { tags: upload.tags } : {}),
    ...(upload.storageClass ? { storageClass: upload.storageClass } : {}),
    ...(upload.encryption ? { encryption: upload.encryption } : {}),
    ...(upload.acl ? { acl: upload.acl } : {}),
  };
  const versionId = newVersionId(services, bucket);
  if (versionId !== undefined) object.versionId = versionId;
  const condition = commitCondition(conditions);
  // The part blobs become the object's: if the commit fails they stay with the upload, not discarded.
  await commitObject(
    services,
    object,
    () =>
      commitConditionally(
        () => services.metadata.completeUpload(upload.uploadId, object, condition, bucket.versioning),
        object,
      ),
    { discardOnFailure: false },
  );
  return object;
}

/**
 * A CompleteMultipartUpload repeated after it succeeded (a client retrying after a lost response):
 * the key's current version, when that upload made it from the same parts (numbers and ETags);
 * undefined otherwise, and the request fails as it did (NoSuchUpload for an upload that is gone).
 * The repeat changes nothing, so its conditional headers are not evaluated again: the first did.
 */
async function completedBefore(
  services: S3Services,
  input: UploadAddress & { body: Buffer },
): Promise<ObjectRecord | undefined> {
  const current = await services.metadata.getObject(input.bucket, input.key);
  const made = current?.completedUpload;
  if (!current || made?.uploadId !== input.uploadId) return undefined;
  const requested = parseCompleteMultipartUpload(input.body).parts;
  const etags = requested.map((part) => unquote(part.etag));
  const sameParts =
    requested.length === made.partNumbers.length &&
    requested.every((part, index) => part.partNumber === made.partNumbers[index]) &&
    etags.every((etag) => PART_ETAG.test(etag)) &&
    multipartEtag(etags) === current.etag;
  return sameParts ? current : undefined;
}

/** A part's bytes in the object; with a checksum, the part's own in the object's algorithm (GetObjectAttributes). */
function segmentOfPart(part: PartRecord, checksum: StoredChecksum | undefined): Segment {
  const segment: Segment = { blobId: part.blobId, size: part.size };
  if (checksum && part.checksum?.algorithm === checksum.algorithm) segment.checksum = part.checksum.value;
  return segment;
}

/** A part's ETag: the hex MD5 of its bytes (anything else cannot name an uploaded part). */
const PART_ETAG = /^[0-9a-f]{32}$/i;

/**
 * The object's checksum from its parts' checksums: in the upload's algorithm, or the one every part
 * used when the upload named none. A full-object value sent with the request must match.
 */
function completedChecksum(
  upload: UploadRecord,
  parts: PartRecord[],
  headers: Record<string, string>,
): StoredChecksum | undefined {
  const algorithm = upload.checksumAlgorithm ?? parts[0]?.checksum?.algorithm;
  if (!algorithm || !parts.every((part) => part.checksum?.algorithm === algorithm)) return undefined;
  const type = upload.checksumType ?? (algorithm === 'CRC64NVME' ? 'FULL_OBJECT' : 'COMPOSITE');
  const values = parts.map((part) => part.checksum!.value);
  const value =
    type === 'FULL_OBJECT' && algorithm !== 'SHA1' && algorithm !== 'SHA256'
      ? combineFullObjectCrc(
          algorithm,
          parts.map((part) => ({ checksum: part.checksum!.value, size: part.size })),
        )
      : compositeChecksum(algorithm, values);
  const claimed = headers[`x-amz-checksum-${algorithm.toLowerCase()}`];
  if (claimed !== undefined && claimed !== value && `${claimed}-${parts.length}` !== value) {
    throw new S3Error('BadDigest', {
      message: `The ${algorithm.toLowerCase()} you specified did not match the calculated checksum.`,
    });
  }
  return {
    algorithm,
    value,
    type:
      type === 'FULL_OBJECT' && algorithm !== 'SHA1' && algorithm !== 'SHA256' ? 'FULL_OBJECT' : 'COMPOSITE',
  };
}

export async function abortMultipartUpload(services: S3Services, address: UploadAddress): Promise<void> {
  const parts = await services.metadata.abortUpload(address.bucket, address.key, address.uploadId);
  if (!parts) {
    await requireBucket(services, address.bucket);
    throw new S3Error('NoSuchUpload', { resource: address.uploadId, detail: { UploadId: address.uploadId } });
  }
  await releaseBlobs(
    services,
    parts.map((part) => part.blobId),
  );
}

function unquote(etag: string): string {
  return etag.replace(/^"|"$/g, '');
}
