/**
 * Ports of the metadata service: buckets, objects and multipart state. The PGlite and PostgreSQL
 * adapters run the same SQL; a read-through cache decorates either.
 */

export interface BucketRecord {
  name: string;
  createdAt: Date;
}

/** A contiguous piece of an object's bytes: one blob (a whole single-part object, or one part). */
export interface Segment {
  blobId: string;
  size: number;
}

export const CHECKSUM_ALGORITHMS = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];
export type ChecksumType = 'FULL_OBJECT' | 'COMPOSITE';

export interface StoredChecksum {
  algorithm: ChecksumAlgorithm;
  /** Base64, as in the x-amz-checksum-* header; composite values end in `-N`. */
  value: string;
  type: ChecksumType;
}

/** Headers that round-trip on an object, as S3 stores them. */
export interface ObjectHeaders {
  contentType?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  contentDisposition?: string;
  cacheControl?: string;
  expires?: string;
}

export interface ObjectRecord {
  bucket: string;
  key: string;
  size: number;
  /** Quoted, as sent in the ETag header. */
  etag: string;
  lastModified: Date;
  headers: ObjectHeaders;
  /** `x-amz-meta-*` values, names lower-cased without the prefix. */
  userMetadata: Record<string, string>;
  checksum?: StoredChecksum;
  segments: Segment[];
  /** Number of parts for an object made by CompleteMultipartUpload. */
  partsCount?: number;
  /**
   * For an object made by CompleteMultipartUpload: the upload and the part numbers it was completed
   * with, so a repeat of that request (a client retrying after a lost response) can be answered.
   */
  completedUpload?: CompletedUpload;
}

export interface CompletedUpload {
  uploadId: string;
  partNumbers: number[];
}

/**
 * The precondition of a conditional write on the key's current object, checked in the same
 * transaction as the commit: `absent` (If-None-Match: *), or `etag` naming the current ETag
 * (If-Match: a quoted or bare ETag, a list of them, or `*` for any).
 */
export type WriteCondition = { type: 'absent' } | { type: 'etag'; etag: string };

/** Why a conditional write was refused at commit: what the key's current object was then. */
export type WriteConditionFailure = 'exists' | 'missing' | 'etag_differs';

/** A conditional write whose precondition did not hold when it was about to commit; nothing changed. */
export class WriteConditionFailedError extends Error {
  override readonly name = 'WriteConditionFailedError';
  constructor(
    readonly failure: WriteConditionFailure,
    options?: ErrorOptions,
  ) {
    super(`the write condition did not hold: ${failure}`, options);
  }
}

export interface UploadRecord {
  uploadId: string;
  bucket: string;
  key: string;
  initiated: Date;
  headers: ObjectHeaders;
  userMetadata: Record<string, string>;
  checksumAlgorithm?: ChecksumAlgorithm;
  checksumType?: ChecksumType;
}

export interface PartRecord {
  uploadId: string;
  partNumber: number;
  blobId: string;
  size: number;
  etag: string;
  lastModified: Date;
  checksum?: StoredChecksum;
}

export interface ListObjectsQuery {
  bucket: string;
  prefix: string;
  /** Return keys strictly greater than this (UTF-8 byte order). */
  after: string;
  limit: number;
}

export interface ListUploadsQuery {
  bucket: string;
  prefix: string;
  keyMarker: string;
  uploadIdMarker: string;
  limit: number;
}

export type CreateBucketOutcome = 'created' | 'exists';
export type DeleteBucketOutcome = 'deleted' | 'missing' | 'not_empty';

export interface MetadataStore {
  createBucket(bucket: BucketRecord): Promise<CreateBucketOutcome>;
  getBucket(name: string): Promise<BucketRecord | undefined>;
  listBuckets(): Promise<BucketRecord[]>;
  deleteBucket(name: string): Promise<DeleteBucketOutcome>;

  /**
   * Commits an object version in one transaction; returns the record it replaced, if any. With a
   * `condition`, the key's current object is checked in that transaction.
   * @throws WriteConditionFailedError when the condition does not hold (nothing is written)
   */
  putObject(object: ObjectRecord, condition?: WriteCondition): Promise<ObjectRecord | undefined>;
  getObject(bucket: string, key: string): Promise<ObjectRecord | undefined>;
  /** Removes the object; returns the removed record, if there was one. */
  deleteObject(bucket: string, key: string): Promise<ObjectRecord | undefined>;
  /** Objects in UTF-8 byte order of key. */
  listObjects(query: ListObjectsQuery): Promise<ObjectRecord[]>;

  createUpload(upload: UploadRecord): Promise<void>;
  getUpload(bucket: string, key: string, uploadId: string): Promise<UploadRecord | undefined>;
  /** Stores a part; returns the part it replaced (same number), if any. */
  putPart(part: PartRecord): Promise<PartRecord | undefined>;
  listParts(uploadId: string): Promise<PartRecord[]>;
  listUploads(query: ListUploadsQuery): Promise<UploadRecord[]>;
  /**
   * In one transaction: commits the object, removes the upload and all its parts. Returns the
   * object it replaced and the parts that were uploaded but not used, so their blobs can go. With a
   * `condition`, as for putObject; when it fails the upload and its parts stay as they were.
   */
  completeUpload(
    uploadId: string,
    object: ObjectRecord,
    condition?: WriteCondition,
  ): Promise<{ replaced: ObjectRecord | undefined; unusedParts: PartRecord[] }>;
  /** Removes the upload and returns its parts; undefined when there was no such upload. */
  abortUpload(bucket: string, key: string, uploadId: string): Promise<PartRecord[] | undefined>;

  /** Which of these blob ids are referenced by an object or a part. */
  referencedBlobs(blobIds: string[]): Promise<Set<string>>;
  /** Every blob id referenced by an object or a part, paged by blob id (for reconcile). */
  listReferencedBlobs(after: string, limit: number): Promise<string[]>;

  /** Drops every bucket, object, upload and part. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** A failure of the metadata backend (connection lost, serialization failure, timeout). */
export class MetadataUnavailableError extends Error {
  override readonly name = 'MetadataUnavailableError';
  constructor(message: string, options?: ErrorOptions & { sqlstate?: string }) {
    super(message, options);
    this.sqlstate = options?.sqlstate;
  }
  readonly sqlstate: string | undefined;
}
