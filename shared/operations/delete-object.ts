import type { S3Services } from '../runtime/runtime.js';
import { S3Error } from '../s3/errors.js';
import { requireBucket } from './buckets.js';
import { releaseReplaced } from './store-object.js';

/** DeleteObject: metadata first (the object is gone for readers at once), then the blobs, via a task. */
export async function deleteObject(services: S3Services, bucket: string, key: string): Promise<void> {
  const removed = await services.metadata.deleteObject(bucket, key);
  if (!removed) {
    // S3 answers 204 for a missing key, but NoSuchBucket for a missing bucket.
    await requireBucket(services, bucket);
    return;
  }
  // A cache_stale rule may still serve the deleted version: its bytes are kept as a replaced one's.
  await releaseReplaced(
    services,
    removed.segments.map((segment) => segment.blobId),
  );
}

export interface DeleteResult {
  key: string;
  error?: { code: string; message: string };
}

/**
 * DeleteObjects: each key independently; a missing key counts as deleted, as in S3. An empty key
 * names no object: S3 reports it as an error entry (UserKeyMustBeSpecified), never as deleted.
 */
export async function deleteObjects(
  services: S3Services,
  bucket: string,
  keys: string[],
): Promise<DeleteResult[]> {
  await requireBucket(services, bucket);
  const results: DeleteResult[] = [];
  for (const key of keys) {
    if (key === '') {
      const error = new S3Error('UserKeyMustBeSpecified');
      results.push({ key, error: { code: error.code, message: error.message } });
      continue;
    }
    try {
      await deleteObject(services, bucket, key);
      results.push({ key });
    } catch (error) {
      const s3Error = S3Error.from(error);
      results.push({ key, error: { code: s3Error.code, message: s3Error.message } });
    }
  }
  return results;
}
