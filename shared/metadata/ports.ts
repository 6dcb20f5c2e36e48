/**
 * Ports of the metadata service: buckets, objects and multipart state. The PGlite and PostgreSQL
 * adapters run the same SQL; a read-through cache decorates either.
 */

export interface BucketRecord {
  name: string;
  createdAt: Date;
  /** Absent for a bucket never versioned; once Enabled, a bucket can only be Suspended again. */
  versioning?: VersioningStatus;
  /** The bucket's sub-resource configurations (tagging, CORS, encryption, ACL, ownership). */
  configs?: BucketConfigs;
}

export type VersioningStatus = 'Enabled' | 'Suspended';

/** One tag of an object or a bucket, in the order the client sent them. */
export interface Tag {
  key: string;
  value: string;
}

export type Permission = 'FULL_CONTROL' | 'WRITE' | 'WRITE_ACP' | 'READ' | 'READ_ACP';

/** Who a grant is for, as the ACL XML names them (xsi:type). */
export type Grantee =
  | { type: 'CanonicalUser'; id: string; displayName?: string }
  | { type: 'Group'; uri: string }
  | { type: 'AmazonCustomerByEmail'; emailAddress: string };

export interface Grant {
  grantee: Grantee;
  permission: Permission;
}

/** An ACL as stored: the grants a PUT ...?acl, a canned ACL or x-amz-grant-* headers gave. Never enforced. */
export interface AccessControlPolicy {
  grants: Grant[];
}

/** Encryption headers stored with an object and echoed on GET/HEAD; nothing is really encrypted. */
export interface ObjectEncryption {
  /** `x-amz-server-side-encryption`: AES256, aws:kms or aws:kms:dsse; absent for SSE-C. */
  algorithm?: string;
  /** `x-amz-server-side-encryption-aws-kms-key-id`. */
  kmsKeyId?: string;
  /** `x-amz-server-side-encryption-context` (base64 JSON), as sent. */
  kmsContext?: string;
  /** `x-amz-server-side-encryption-bucket-key-enabled`. */
  bucketKeyEnabled?: boolean;
  /** SSE-C: the algorithm (AES256) and the MD5 of the customer's key; the key itself is never stored. */
  customerAlgorithm?: string;
  customerKeyMd5?: string;
}

/** One CORS rule of a bucket, as PutBucketCors gives it. */
export interface CorsRule {
  id?: string;
  allowedOrigins: string[];
  allowedMethods: string[];
  allowedHeaders: string[];
  exposeHeaders: string[];
  maxAgeSeconds?: number;
}

/** One default-encryption rule of a bucket (PutBucketEncryption). */
export interface BucketEncryptionRule {
  algorithm: string;
  kmsMasterKeyId?: string;
  bucketKeyEnabled?: boolean;
  /** BlockedEncryptionTypes: `SSE-C` refuses writes naming a customer key; `NONE` blocks nothing. */
  blockedEncryptionTypes?: string[];
}

/** A bucket's sub-resource documents, each absent until first put. */
export interface BucketConfigs {
  tagging?: Tag[];
  cors?: CorsRule[];
  encryption?: BucketEncryptionRule[];
  acl?: AccessControlPolicy;
  /** ObjectOwnership: BucketOwnerEnforced, BucketOwnerPreferred or ObjectWriter. */
  ownership?: string;
  /** Set once PutBucketVersioning named `<MfaDelete>Disabled</MfaDelete>`: GetBucketVersioning shows it. */
  mfaDelete?: 'Disabled';
}

export type BucketConfigKind = keyof BucketConfigs;

/** A contiguous piece of an object's bytes: one blob (a whole single-part object, or one part). */
export interface Segment {
  blobId: string;
  size: number;
  /** A multipart object's part: its checksum (base64) in the object's algorithm, for GetObjectAttributes. */
  checksum?: string;
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
  /** The version id; absent for the `null` version (unversioned and suspended buckets). */
  versionId?: string;
  /** Object tags (`x-amz-tagging`, PutObjectTagging). */
  tags?: Tag[];
  /** `x-amz-storage-class`; absent means STANDARD. */
  storageClass?: string;
  encryption?: ObjectEncryption;
  /** Grants put with the object or by PutObjectAcl; absent means the owner's FULL_CONTROL. */
  acl?: AccessControlPolicy;
}

/** What PutObjectTagging / DeleteObjectTagging / PutObjectAcl change in place (no new version). */
export interface ObjectAttributesPatch {
  /** An empty list removes every tag. */
  tags?: Tag[];
  acl?: AccessControlPolicy;
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
  /** What CreateMultipartUpload was given for the object it will make. */
  tags?: Tag[];
  storageClass?: string;
  encryption?: ObjectEncryption;
  acl?: AccessControlPolicy;
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

/**
 * One version of a key as ListObjectVersions, GET ?versionId= and DELETE ?versionId= see it: an
 * object version or a delete marker. A marker's `object` carries key, versionId and lastModified
 * only (size 0, no segments, empty ETag).
 */
export interface ObjectVersion {
  object: ObjectRecord;
  deleteMarker: boolean;
  /** The key's newest version (the current object, or the marker that hides it). */
  isLatest: boolean;
}

export interface ListVersionsQuery {
  bucket: string;
  prefix: string;
  /** Versions of keys after this one (UTF-8 byte order); '' for the first page. */
  keyMarker: string;
  /** With keyMarker: also the versions of keyMarker older than this version id. */
  versionIdMarker?: string;
  limit: number;
}

/** What a versioned write or delete removed for good (its blobs can go), if anything. */
export interface VersionedWriteOutcome {
  replaced: ObjectRecord | undefined;
}

/** Counts over every noncurrent version and delete marker, for the admin stats. */
export interface NoncurrentVersionStats {
  versions: number;
  deleteMarkers: number;
  bytes: number;
  /** False when counting stopped at the limit it was given (the numbers are lower bounds). */
  exact: boolean;
}

export type CreateBucketOutcome = 'created' | 'exists';
export type DeleteBucketOutcome = 'deleted' | 'missing' | 'not_empty';

export interface MetadataStore {
  createBucket(bucket: BucketRecord): Promise<CreateBucketOutcome>;
  getBucket(name: string): Promise<BucketRecord | undefined>;
  listBuckets(): Promise<BucketRecord[]>;
  deleteBucket(name: string): Promise<DeleteBucketOutcome>;
  /** Sets the bucket's versioning state; false when there is no such bucket. */
  setBucketVersioning(bucket: string, status: VersioningStatus): Promise<boolean>;
  /** Stores one sub-resource document of the bucket; false when there is no such bucket. */
  putBucketConfig<K extends BucketConfigKind>(
    bucket: string,
    kind: K,
    document: NonNullable<BucketConfigs[K]>,
  ): Promise<boolean>;
  /** Removes one sub-resource document; false when the bucket had none (or no such bucket). */
  deleteBucketConfig(bucket: string, kind: BucketConfigKind): Promise<boolean>;

  /**
   * Commits an object version in one transaction; returns the record it replaced for good, if any.
   * With a `condition`, the key's current object is checked in that transaction. `versioning` is the
   * bucket's state as the caller read it: absent (never versioned), the current row is replaced;
   * otherwise the store reads the state again in the transaction and keeps the current version as
   * noncurrent (Enabled; Suspended when it is not the null version), and only a null version it
   * overwrites is returned.
   * @throws WriteConditionFailedError when the condition does not hold (nothing is written)
   */
  putObject(
    object: ObjectRecord,
    condition?: WriteCondition,
    versioning?: VersioningStatus,
  ): Promise<ObjectRecord | undefined>;
  getObject(bucket: string, key: string): Promise<ObjectRecord | undefined>;
  /** Removes the object; returns the removed record, if there was one. */
  deleteObject(bucket: string, key: string): Promise<ObjectRecord | undefined>;
  /** Objects in UTF-8 byte order of key. */
  listObjects(query: ListObjectsQuery): Promise<ObjectRecord[]>;
  /**
   * Changes tags or ACL of one version in place (Last-Modified and ETag unchanged): the current
   * object when `versionId` is undefined. Returns the updated record, undefined when there is none.
   */
  updateObjectAttributes(
    bucket: string,
    key: string,
    versionId: string | undefined,
    patch: ObjectAttributesPatch,
  ): Promise<ObjectRecord | undefined>;

  // versions
  /** One version of the key by id (`null` names the null version), current or not, or a marker. */
  getObjectVersion(bucket: string, key: string, versionId: string): Promise<ObjectVersion | undefined>;
  /** The key's newest version when it is not the current object (a delete marker), else undefined. */
  latestVersion(bucket: string, key: string): Promise<ObjectVersion | undefined>;
  /**
   * DeleteObject without versionId in a versioned bucket: the current version becomes noncurrent
   * (or, for the null version while Suspended, goes) and a delete marker with `versionId` (absent:
   * the null version) becomes the latest. Returns what went for good.
   */
  putDeleteMarker(
    bucket: string,
    key: string,
    marker: { versionId?: string; lastModified: Date },
  ): Promise<VersionedWriteOutcome>;
  /**
   * Removes one version for good (object or marker). When the latest goes, the next newest version
   * becomes current unless it is a delete marker. Returns the removed version, if there was one.
   */
  deleteObjectVersion(bucket: string, key: string, versionId: string): Promise<ObjectVersion | undefined>;
  /** Versions and markers in key byte order, newest first within a key. */
  listObjectVersions(query: ListVersionsQuery): Promise<ObjectVersion[]>;
  /** Noncurrent versions and delete markers of every bucket, counted up to `limit` rows. */
  noncurrentVersionStats(limit: number): Promise<NoncurrentVersionStats>;

  createUpload(upload: UploadRecord): Promise<void>;
  getUpload(bucket: string, key: string, uploadId: string): Promise<UploadRecord | undefined>;
  /** Stores a part; returns the part it replaced (same number), if any. */
  putPart(part: PartRecord): Promise<PartRecord | undefined>;
  listParts(uploadId: string): Promise<PartRecord[]>;
  listUploads(query: ListUploadsQuery): Promise<UploadRecord[]>;
  /**
   * In one transaction: commits the object, removes the upload and all its parts. Returns the
   * object it replaced for good and the parts that were uploaded but not used, so their blobs can go.
   * `condition` and `versioning` as for putObject; when the condition fails the upload and its parts
   * stay as they were.
   */
  completeUpload(
    uploadId: string,
    object: ObjectRecord,
    condition?: WriteCondition,
    versioning?: VersioningStatus,
  ): Promise<{ replaced: ObjectRecord | undefined; unusedParts: PartRecord[] }>;
  /** Removes the upload and returns its parts; undefined when there was no such upload. */
  abortUpload(bucket: string, key: string, uploadId: string): Promise<PartRecord[] | undefined>;

  /** Which of these blob ids are referenced by an object (any version) or a part. */
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
