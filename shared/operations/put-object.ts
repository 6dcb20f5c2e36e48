import type { ObjectRecord } from '../metadata/ports.js';
import type { S3Services } from '../runtime/runtime.js';
import { validateObjectKey } from '../s3/names.js';
import type { BlobSource } from '../storage/ports.js';
import { requireBucket } from './buckets.js';
import { writtenAttributes } from './object-attributes.js';
import { objectHeadersFrom, userMetadataFrom } from './object-headers.js';
import { commitObject, writeUpload } from './store-object.js';
import { type CommittedWrite, newVersionId } from './versions.js';
import {
  checkWriteConditions,
  commitCondition,
  commitConditionally,
  writeConditionsOf,
} from './write-conditions.js';

/** S3's limit for a single PUT: https://docs.aws.amazon.com/AmazonS3/latest/userguide/upload-objects.html */
export const MAX_PUT_SIZE = 5 * 1024 ** 3;

export interface PutObjectInput {
  bucket: string;
  key: string;
  /** Request headers, names lower-cased. */
  headers: Record<string, string>;
  /** The body as received, plain or aws-chunked: whole, or a stream (a large body in embedded mode). */
  rawBody: Buffer | BlobSource;
}

/**
 * PutObject: decode and verify the body, write R replicas, commit metadata; only then is the
 * object visible. If-None-Match: * / If-Match make it a conditional write (write-conditions.ts).
 * In a versioned bucket the write is a new version (versions.ts). Returns the committed record.
 */
export async function putObject(services: S3Services, input: PutObjectInput): Promise<CommittedWrite> {
  const { bucket, key, headers } = input;
  validateObjectKey(key);
  const conditions = writeConditionsOf(headers);
  const bucketRecord = await requireBucket(services, bucket);
  const attributes = writtenAttributes(headers, bucketRecord);
  await checkWriteConditions(services, { bucket, key }, conditions);
  const upload = await writeUpload(services, headers, input.rawBody, { maxSize: MAX_PUT_SIZE });
  const { segment } = upload;
  const object: ObjectRecord = {
    bucket,
    key,
    size: segment.size,
    etag: `"${upload.md5Hex}"`,
    lastModified: services.clock.now(),
    headers: objectHeadersFrom(headers),
    userMetadata: userMetadataFrom(headers),
    ...(upload.checksum ? { checksum: upload.checksum } : {}),
    segments: [segment],
    ...attributes,
  };
  const versionId = newVersionId(services, bucketRecord);
  if (versionId !== undefined) object.versionId = versionId;
  const condition = commitCondition(conditions);
  const { versioning } = bucketRecord;
  await commitObject(services, object, async () => ({
    replaced: condition
      ? await commitConditionally(() => services.metadata.putObject(object, condition, versioning), object)
      : await services.metadata.putObject(object, undefined, versioning),
  }));
  return { object, bucket: bucketRecord };
}
