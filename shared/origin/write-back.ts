import { type ObjectRecord, type VersioningStatus, WriteConditionFailedError } from '../metadata/ports.js';
import { commitObject, writeBlob } from '../operations/store-object.js';
import type { S3Services } from '../runtime/runtime.js';

/** `origin_write_back_total`'s `result`. */
export type WriteBackResult = 'stored' | 'lost_race' | 'failed';

/**
 * Stores an object fetched from the origin as a PUT would (R replicas, then the metadata commit,
 * which also drops the metadata cache's entry), under the condition `absent` (If-None-Match: *):
 * a client PUT that committed first wins, and the fetched copy's blob
 * is released (commitObject discards the blobs of a commit that did not happen). In a versioned
 * bucket (`versioning` as the fetch read it) the object is a version like a PUT's (its `versionId`
 * chosen when it was fetched, none for the null version), and a delete marker that became the key's
 * latest version meanwhile wins too: the client's delete is newer than anything the origin holds.
 * Never throws: the fetched bytes were served anyway, the next read simply fetches again.
 */
export async function writeBack(
  services: S3Services,
  object: Omit<ObjectRecord, 'segments'>,
  body: Buffer,
  versioning?: VersioningStatus,
): Promise<{ result: WriteBackResult; record?: ObjectRecord }> {
  let record: ObjectRecord;
  try {
    record = { ...object, segments: [await writeBlob(services, body)] };
  } catch (error) {
    services.logger.warn('origin write-back failed to store the blob', {
      bucket: object.bucket,
      key: object.key,
      error,
    });
    return { result: 'failed' };
  }
  try {
    await commitObject(services, record, async () => {
      // Checked just before the commit (not in its transaction): a delete in the few milliseconds
      // between the two is the one case a write-back can still land on top of.
      if (versioning !== undefined && (await services.metadata.latestVersion(record.bucket, record.key))) {
        throw new WriteConditionFailedError('exists');
      }
      return { replaced: await services.metadata.putObject(record, { type: 'absent' }, versioning) };
    });
    return { result: 'stored', record };
  } catch (error) {
    if (error instanceof WriteConditionFailedError) return { result: 'lost_race' };
    services.logger.warn('origin write-back failed to commit', {
      bucket: object.bucket,
      key: object.key,
      error,
    });
    return { result: 'failed' };
  }
}
