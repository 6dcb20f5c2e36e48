import type { ObjectRecord } from '../metadata/ports.js';
import type { S3Services } from '../runtime/runtime.js';
import { S3Error } from '../s3/errors.js';
import { requireBucket } from './buckets.js';
import { releaseReplaced } from './store-object.js';
import { assertVersionIdFormat, NULL_VERSION_ID, newVersionId } from './versions.js';

/** What a delete did, as S3 reports it (`x-amz-delete-marker`, `x-amz-version-id`). */
export interface DeleteOutcome {
  /** A delete marker was made (no versionId), or the version removed was one (with versionId). */
  deleteMarker: boolean;
  /** The marker made or the version named; absent for a never-versioned bucket's plain delete. */
  versionId?: string;
}

/**
 * DeleteObject. Without `versionId`: in a never-versioned bucket the object goes; in a versioned
 * one a delete marker becomes the latest version (Enabled: a new id; Suspended: the null version,
 * replacing a null object version). With `versionId`: that version goes for good, and when it was
 * the latest the next newest becomes current. Metadata first (gone for readers at once), then the
 * blobs of what went for good, via a task (which keeps any blob another version still uses).
 */
export async function deleteObject(
  services: S3Services,
  bucket: string,
  key: string,
  versionId?: string,
): Promise<DeleteOutcome> {
  if (versionId !== undefined) return deleteVersion(services, bucket, key, versionId);
  // Cached: its versioning decides between removing the object and hiding it behind a marker.
  const bucketRecord = await requireBucket(services, bucket);
  if (bucketRecord.versioning) {
    const markerId = newVersionId(services, bucketRecord);
    const { replaced } = await services.metadata.putDeleteMarker(bucket, key, {
      ...(markerId !== undefined ? { versionId: markerId } : {}),
      lastModified: services.clock.now(),
    });
    await release(services, replaced);
    return { deleteMarker: true, versionId: markerId ?? NULL_VERSION_ID };
  }
  // S3 answers 204 for a missing key.
  await release(services, await services.metadata.deleteObject(bucket, key));
  return { deleteMarker: false };
}

/**
 * DeleteObject with `versionId`: a well-formed id the key does not have is no error (204), as in
 * S3; a malformed one is InvalidArgument.
 */
async function deleteVersion(
  services: S3Services,
  bucket: string,
  key: string,
  versionId: string,
): Promise<DeleteOutcome> {
  assertVersionIdFormat(versionId);
  const removed = await services.metadata.deleteObjectVersion(bucket, key, versionId);
  if (!removed) {
    await requireBucket(services, bucket);
    return { deleteMarker: false, versionId };
  }
  if (!removed.deleteMarker) await release(services, removed.object);
  return { deleteMarker: removed.deleteMarker, versionId };
}

/** A cache_stale rule may still serve a removed version: its bytes are kept as a replaced one's. */
async function release(services: S3Services, removed: ObjectRecord | undefined): Promise<void> {
  if (!removed) return;
  await releaseReplaced(
    services,
    removed.segments.map((segment) => segment.blobId),
  );
}

export interface DeleteResult {
  key: string;
  /** The `<VersionId>` the entry named, if any. */
  versionId?: string;
  outcome?: DeleteOutcome;
  error?: { code: string; message: string };
}

/**
 * DeleteObjects: each entry independently, as DeleteObject would (a missing key or version counts
 * as deleted, as in S3). An empty key names no object: S3 reports it as an error entry
 * (UserKeyMustBeSpecified), never as deleted.
 */
export async function deleteObjects(
  services: S3Services,
  bucket: string,
  entries: { key: string; versionId?: string }[],
): Promise<DeleteResult[]> {
  await requireBucket(services, bucket);
  const results: DeleteResult[] = [];
  for (const { key, versionId } of entries) {
    const named = versionId !== undefined ? { versionId } : {};
    if (key === '') {
      const error = new S3Error('UserKeyMustBeSpecified');
      results.push({ key, ...named, error: { code: error.code, message: error.message } });
      continue;
    }
    try {
      results.push({ key, ...named, outcome: await deleteObject(services, bucket, key, versionId) });
    } catch (error) {
      const s3Error = S3Error.from(error);
      results.push({ key, ...named, error: { code: s3Error.code, message: s3Error.message } });
    }
  }
  return results;
}
