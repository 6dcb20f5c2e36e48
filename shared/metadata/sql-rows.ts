import type {
  BucketRecord,
  ChecksumAlgorithm,
  ChecksumType,
  CompletedUpload,
  ObjectRecord,
  PartRecord,
  Segment,
  StoredChecksum,
  UploadRecord,
} from './ports.js';

/** Row shapes as both adapters return them: `pg` gives bigint as a string, PGlite as a number. */
export interface BucketRow {
  name: string;
  created_at: Date | string;
}

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
  'bucket, key, size, etag, last_modified, headers, user_metadata, checksum, segments, parts_count, completed_upload';
export const UPLOAD_COLUMNS =
  'upload_id, bucket, key, initiated, headers, user_metadata, checksum_algorithm, checksum_type';
export const PART_COLUMNS = 'upload_id, part_number, blob_id, size, etag, last_modified, checksum';

export function toBucket(row: BucketRow): BucketRecord {
  return { name: row.name, createdAt: new Date(row.created_at) };
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
    segments: row.segments.map((segment) => ({ blobId: segment.blobId, size: Number(segment.size) })),
  };
  if (row.checksum) record.checksum = row.checksum;
  if (row.parts_count !== null) record.partsCount = Number(row.parts_count);
  if (row.completed_upload) record.completedUpload = row.completed_upload;
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

/** Parameters for the object columns, in OBJECT_COLUMNS order ($1..$11). */
export function objectParams(object: ObjectRecord): unknown[] {
  return [
    object.bucket,
    object.key,
    object.size,
    object.etag,
    object.lastModified.toISOString(),
    JSON.stringify(object.headers),
    JSON.stringify(object.userMetadata),
    object.checksum ? JSON.stringify(object.checksum) : null,
    JSON.stringify(object.segments.map((segment) => ({ blobId: segment.blobId, size: segment.size }))),
    object.partsCount ?? null,
    object.completedUpload ? JSON.stringify(object.completedUpload) : null,
  ];
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
    segments: object.segments.map((segment) => ({ blobId: segment.blobId, size: segment.size })),
    parts_count: object.partsCount ?? null,
    completed_upload: object.completedUpload ?? null,
  };
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
