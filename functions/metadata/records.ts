import type { BucketRecord, ObjectRecord } from '../../shared/metadata/ports.js';
import type { Runtime } from '../../shared/runtime/runtime.js';
import { isValidBucketName } from '../../shared/s3/names.js';
import { integerParam } from '../admin/internal-api.js';
import { ControlError } from '../injection/control-error.js';
import type { ControlRequest, ControlResponse } from '../injection/request.js';

/** The most objects one listing page returns (S3's own page size). */
const MAX_PAGE = 1000;

/** A bucket as the metadata API shows it. */
export interface BucketView {
  name: string;
  createdAt: string;
}

/** An object record as the metadata service stores it (times as ISO 8601). */
export interface ObjectView {
  bucket: string;
  key: string;
  size: number;
  etag: string;
  lastModified: string;
  headers: ObjectRecord['headers'];
  userMetadata: Record<string, string>;
  checksum?: ObjectRecord['checksum'];
  segments: ObjectRecord['segments'];
  partsCount?: number;
}

/** GET /api/v1/metadata/buckets: every bucket, by name. */
export async function listBuckets({ runtime }: ControlRequest): Promise<ControlResponse> {
  const buckets = await runtime.views.metadata.listBuckets();
  return { status: 200, body: { buckets: buckets.map(bucketView) } };
}

/** GET /api/v1/metadata/buckets/{bucket}. */
export async function getBucket({ runtime, params }: ControlRequest): Promise<ControlResponse> {
  return { status: 200, body: bucketView(await knownBucket(runtime, params.bucket!)) };
}

/** GET /api/v1/metadata/buckets/{bucket}/objects?prefix=&after=&limit=: one page, in key order. */
export async function listObjects({ runtime, params, query }: ControlRequest): Promise<ControlResponse> {
  const bucket = await knownBucket(runtime, params.bucket!);
  const limit = integerParam(query, 'limit', MAX_PAGE, MAX_PAGE);
  if (limit === 0) throw new ControlError('ValidationError', 'limit: must be at least 1', { field: 'limit' });
  const objects = await runtime.views.metadata.listObjects({
    bucket: bucket.name,
    prefix: query.get('prefix') ?? '',
    after: query.get('after') ?? '',
    // One more than asked tells whether another page follows.
    limit: limit + 1,
  });
  const page = objects.slice(0, limit);
  return {
    status: 200,
    body: {
      bucket: bucket.name,
      objects: page.map(objectView),
      isTruncated: objects.length > limit,
      ...(objects.length > limit ? { nextAfter: page[page.length - 1]!.key } : {}),
    },
  };
}

/** GET /api/v1/metadata/buckets/{bucket}/objects/{key+}: the committed record of one object. */
export async function getObject({ runtime, params }: ControlRequest): Promise<ControlResponse> {
  const bucket = await knownBucket(runtime, params.bucket!);
  return { status: 200, body: objectView(await knownObject(runtime, bucket.name, params.key!)) };
}

/**
 * The bucket's record.
 * @throws ControlError ValidationError for a name S3 would refuse, NotFound for a missing bucket
 */
export async function knownBucket(runtime: Runtime, name: string): Promise<BucketRecord> {
  if (!isValidBucketName(name)) {
    throw new ControlError(
      'ValidationError',
      `bucket: ${JSON.stringify(name.slice(0, 100))} is not a valid bucket name`,
      {
        field: 'bucket',
      },
    );
  }
  const bucket = await runtime.views.metadata.getBucket(name);
  if (bucket === undefined) throw new ControlError('NotFound', `no bucket ${name}`, { field: 'bucket' });
  return bucket;
}

/**
 * The object's committed record.
 * @throws ControlError NotFound naming the key
 */
export async function knownObject(runtime: Runtime, bucket: string, key: string): Promise<ObjectRecord> {
  const object = await runtime.views.metadata.getObject(bucket, key);
  if (object === undefined) {
    throw new ControlError('NotFound', `no object ${JSON.stringify(key.slice(0, 200))} in ${bucket}`, {
      field: 'key',
    });
  }
  return object;
}

function bucketView(bucket: BucketRecord): BucketView {
  return { name: bucket.name, createdAt: bucket.createdAt.toISOString() };
}

function objectView(object: ObjectRecord): ObjectView {
  return {
    bucket: object.bucket,
    key: object.key,
    size: object.size,
    etag: object.etag,
    lastModified: object.lastModified.toISOString(),
    headers: object.headers,
    userMetadata: object.userMetadata,
    ...(object.checksum === undefined ? {} : { checksum: object.checksum }),
    segments: object.segments.map(({ blobId, size }) => ({ blobId, size })),
    ...(object.partsCount === undefined ? {} : { partsCount: object.partsCount }),
  };
}
