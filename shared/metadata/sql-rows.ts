import type {
  AccessControlPolicy,
  BucketConfigs,
  BucketRecord,
  ChecksumAlgorithm,
  ChecksumType,
  CompletedUpload,
  ObjectEncryption,
  ObjectRecord,
  PartRecord,
  Segment,
  StoredChecksum,
  Tag,
  UploadRecord,
  VersioningStatus,
} from './ports.js';

/** Row shapes as both adapters return them: `pg` gives bigint as a string, PGlite as a number. */
export interface BucketRow {
  name: string;
  created_at: Date | string;
  versioning: string | null;
  /** Every bucket_configs row of the bucket as one object by kind; null when it has none. */
  configs: BucketConfigs | null;
}

/** The bucket columns, with its sub-resource documents gathered (`b` is the buckets table). */
export const BUCKET_COLUMNS = `b.name, b.created_at, b.versioning,
  (SELECT jsonb_object_agg(c.kind, c.document) FROM bucket_configs c WHERE c.bucket = b.name) AS configs`;

export interface ObjectRow {
  bucket: string;
  key: string;
  size: number | string;
  etag: string;
  last_modified: Date | string;
  headers: ObjectRecord['headers'];
  user_metadata: Record<string, string>;
  checksum: StoredChecksum | null;
  segments: Segment[];
  parts_count: number | null;
  completed_upload: CompletedUpload | null;
  version_id: string;
  tags: Tag[] | null;
  storage_class: string | null;
  encryption: ObjectEncryption | null;
  acl: AccessControlPolicy | null;
}

export interface UploadRow {
  upload_id: string;
  bucket: string;
  key: string;
  initiated: Date | string;
  headers: UploadRecord['headers'];
  user_metadata: Record<string, string>;
  checksum_algorithm: string | null;
  checksum_type: string | null;
  tags: Tag[] | null;
  storage_class: string | null;
  encryption: ObjectEncryption | null;
  acl: AccessControlPolicy | null;
}

export interface PartRow {
  upload_id: string;
  part_number: number;
  blob_id: string;
  size: number | string;
  etag: string;
  last_modified: Date | string;
  checksum: StoredChecksum | null;
}

export const OBJECT_COLUMNS =
  'bucket, key, size, etag, last_modified, headers, user_metadata, checksum, segments, parts_count, completed_upload, version_id, tags, storage_class, encryption, acl';
/** `$1, ..., $16` for OBJECT_COLUMNS, with the casts the jsonb columns need. */
export const OBJECT_VALUES =
  '$1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8::jsonb, $9::jsonb, $10, $11::jsonb, $12, $13::jsonb, $14, $15::jsonb, $16::jsonb';
export const UPLOAD_COLUMNS =
  'upload_id, bucket, key, initiated, headers, user_metadata, checksum_algorithm, checksum_type, tags, storage_class, encryption, acl';

/** The null version's id as stored: S3's literal `null`. */
export const NULL_VERSION_ID = 'null';
export const PART_COLUMNS = 'upload_id, part_number, blob_id, size, etag, last_modified, checksum';

export function toBucket(row: BucketRow): BucketRecord {
  const record: BucketRecord = { name: row.name, createdAt: new Date(row.created_at) };
  if (row.versioning) record.versioning = row.versioning as VersioningStatus;
  if (row.configs) record.configs = row.configs;
  return record;
}

export function toObject(row: ObjectRow): ObjectRecord {
  const record: ObjectRecord = {
    bucket: row.bucket,
    key: row.key,
    size: Number(row.size),
    etag: row.etag,
    lastModified: new Date(row.last_modified),
    headers: row.headers,
    userMetadata: row.user_metadata,
    segments: row.segments.map(segmentOf),
  };
  if (row.checksum) record.checksum = row.checksum;
  if (row.parts_count !== null) record.partsCount = Number(row.parts_count);
  if (row.completed_upload) record.completedUpload = row.completed_upload;
  if (row.version_id !== NULL_VERSION_ID) record.versionId = row.version_id;
  if (row.tags) record.tags = row.tags;
  if (row.storage_class) record.storageClass = row.storage_class;
  if (row.encryption) record.encryption = row.encryption;
  if (row.acl) record.acl = row.acl;
  return record;
}

export function toUpload(row: UploadRow): UploadRecord {
  const record: UploadRecord = {
    uploadId: row.upload_id,
    bucket: row.bucket,
    key: row.key,
    initiated: new Date(row.initiated),
    headers: row.headers,
    userMetadata: row.user_metadata,
  };
  if (row.checksum_algorithm) record.checksumAlgorithm = row.checksum_algorithm as ChecksumAlgorithm;
  if (row.checksum_type) record.checksumType = row.checksum_type as ChecksumType;
  if (row.tags) record.tags = row.tags;
  if (row.storage_class) record.storageClass = row.storage_class;
  if (row.encryption) record.encryption = row.encryption;
  if (row.acl) record.acl = row.acl;
  return record;
}

export function toPart(row: PartRow): PartRecord {
  const record: PartRecord = {
    uploadId: row.upload_id,
    partNumber: Number(row.part_number),
    blobId: row.blob_id,
    size: Number(row.size),
    etag: row.etag,
    lastModified: new Date(row.last_modified),
  };
  if (row.checksum) record.checksum = row.checksum;
  return record;
}

/** A segment as stored in the `segments` jsonb (bigint sizes come back as strings from `pg`). */
function segmentOf(segment: Segment): Segment {
  const stored: Segment = { blobId: segment.blobId, size: Number(segment.size) };
  if (segment.checksum !== undefined) stored.checksum = segment.checksum;
  return stored;
}

/** The jsonb columns of OBJECT_COLUMNS: sent as JSON text when passed as parameters. */
const OBJECT_JSON_COLUMNS = new Set([
  'headers',
  'user_metadata',
  'checksum',
  'segments',
  'completed_upload',
  'tags',
  'encryption',
  'acl',
]);
const OBJECT_COLUMN_NAMES = OBJECT_COLUMNS.split(', ');

/** Parameters for the object columns, in OBJECT_COLUMNS order ($1..$16): objectRow's values. */
export function objectParams(object: ObjectRecord): unknown[] {
  const row = objectRow(object);
  return OBJECT_COLUMN_NAMES.map((column) => {
    const value = row[column];
    return OBJECT_JSON_COLUMNS.has(column) && value !== null ? JSON.stringify(value) : value;
  });
}

/** An object as one element of a JSON array of rows, columns as in OBJECT_COLUMNS. */
export function objectRow(object: ObjectRecord): Record<string, unknown> {
  return {
    bucket: object.bucket,
    key: object.key,
    size: object.size,
    etag: object.etag,
    last_modified: object.lastModified.toISOString(),
    headers: object.headers,
    user_metadata: object.userMetadata,
    checksum: object.checksum ?? null,
    segments: object.segments.map(segmentOf),
    parts_count: object.partsCount ?? null,
    completed_upload: object.completedUpload ?? null,
    version_id: object.versionId ?? NULL_VERSION_ID,
    tags: object.tags ?? null,
    storage_class: object.storageClass ?? null,
    encryption: object.encryption ?? null,
    acl: object.acl ?? null,
  };
}

/** Parameters for the upload columns, in UPLOAD_COLUMNS order ($1..$12). */
export function uploadParams(upload: UploadRecord): unknown[] {
  return [
    upload.uploadId,
    upload.bucket,
    upload.key,
    upload.initiated.toISOString(),
    JSON.stringify(upload.headers),
    JSON.stringify(upload.userMetadata),
    upload.checksumAlgorithm ?? null,
    upload.checksumType ?? null,
    upload.tags ? JSON.stringify(upload.tags) : null,
    upload.storageClass ?? null,
    upload.encryption ? JSON.stringify(upload.encryption) : null,
    upload.acl ? JSON.stringify(upload.acl) : null,
  ];
}

/** Parameters for the part columns, in PART_COLUMNS order ($1..$7). */
export function partParams(part: PartRecord): unknown[] {
  return [
    part.uploadId,
    part.partNumber,
    part.blobId,
    part.size,
    part.etag,
    part.lastModified.toISOString(),
    part.checksum ? JSON.stringify(part.checksum) : null,
  ];
}
