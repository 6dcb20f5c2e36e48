import type { MetadataStore } from '../../../../shared/metadata/ports.js';

/** The slice of metadata the async service reads: which blob ids objects and parts reference. */
export interface FakeMetadata extends MetadataStore {
  readonly references: Set<string>;
  /** How many `referencedBlobs` calls were made, and with how many ids at most. */
  readonly lookups: { calls: number; largestBatch: number };
}

export function createFakeMetadata(referenced: Iterable<string> = []): FakeMetadata {
  const references = new Set(referenced);
  const lookups = { calls: 0, largestBatch: 0 };
  const notUsed = async (): Promise<never> => {
    throw new Error('not used by the async service');
  };
  return {
    references,
    lookups,
    async referencedBlobs(blobIds) {
      lookups.calls += 1;
      lookups.largestBatch = Math.max(lookups.largestBatch, blobIds.length);
      return new Set(blobIds.filter((id) => references.has(id)));
    },
    async listReferencedBlobs(after, limit) {
      return [...references]
        .filter((id) => id > after)
        .sort()
        .slice(0, limit);
    },
    createBucket: notUsed,
    getBucket: notUsed,
    listBuckets: notUsed,
    deleteBucket: notUsed,
    setBucketVersioning: notUsed,
    putBucketConfig: notUsed,
    deleteBucketConfig: notUsed,
    updateObjectAttributes: notUsed,
    putObject: notUsed,
    getObject: notUsed,
    deleteObject: notUsed,
    getObjectVersion: notUsed,
    latestVersion: notUsed,
    putDeleteMarker: notUsed,
    deleteObjectVersion: notUsed,
    listObjectVersions: notUsed,
    noncurrentVersionStats: notUsed,
    listObjects: notUsed,
    createUpload: notUsed,
    getUpload: notUsed,
    putPart: notUsed,
    listParts: notUsed,
    listUploads: notUsed,
    completeUpload: notUsed,
    abortUpload: notUsed,
    reset: notUsed,
    close: notUsed,
  };
}
