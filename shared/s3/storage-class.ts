/**
 * `x-amz-storage-class`: stored and reported, never acted on (every class is served from the same
 * nodes), except that an archived object cannot be read until restored, as in S3, and restore is
 * not implemented. https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-class-intro.html
 */
import type { ObjectRecord } from '../metadata/ports.js';
import { S3Error } from './errors.js';

/**
 * The classes a general purpose bucket takes. OUTPOSTS, SNOW, EXPRESS_ONEZONE and the FSx classes
 * belong to other kinds of storage and are refused, as S3 refuses them for such a bucket.
 */
export const STORAGE_CLASSES = [
  'STANDARD',
  'REDUCED_REDUNDANCY',
  'STANDARD_IA',
  'ONEZONE_IA',
  'INTELLIGENT_TIERING',
  'GLACIER',
  'DEEP_ARCHIVE',
  'GLACIER_IR',
] as const;
export type StorageClass = (typeof STORAGE_CLASSES)[number];

/** Archived: GetObject (and a copy from them) answers InvalidObjectState until a restore. */
const ARCHIVED: ReadonlySet<string> = new Set(['GLACIER', 'DEEP_ARCHIVE']);

/**
 * `x-amz-storage-class` of a write, validated against the classes AWS lists; undefined for none
 * and for STANDARD (an object without a class is STANDARD).
 *
 * @throws S3Error InvalidStorageClass
 */
export function storageClassFrom(headers: Record<string, string>): string | undefined {
  const requested = headers['x-amz-storage-class'];
  if (requested === undefined || requested === 'STANDARD') return undefined;
  if (!(STORAGE_CLASSES as readonly string[]).includes(requested)) {
    throw new S3Error('InvalidStorageClass', { detail: { StorageClassRequested: requested } });
  }
  return requested;
}

/** The storage class listings and GetObjectAttributes report: STANDARD when none was given. */
export function storageClassOf(object: Pick<ObjectRecord, 'storageClass'>): string {
  return object.storageClass ?? 'STANDARD';
}

/** `x-amz-storage-class` on GET/HEAD (S3 leaves it out for STANDARD). */
export function storageClassHeader(object: Pick<ObjectRecord, 'storageClass'>): Record<string, string> {
  return object.storageClass === undefined ? {} : { 'x-amz-storage-class': object.storageClass };
}

/**
 * GetObject of a GLACIER or DEEP_ARCHIVE object is 403 InvalidObjectState, as S3 answers before a
 * RestoreObject (which this service does not implement); HEAD still answers.
 *
 * @throws S3Error InvalidObjectState
 */
export function assertRetrievable(object: Pick<ObjectRecord, 'storageClass'>): void {
  if (object.storageClass === undefined || !ARCHIVED.has(object.storageClass)) return;
  throw new S3Error('InvalidObjectState', { detail: { StorageClass: object.storageClass } });
}

/**
 * The source of CopyObject / UploadPartCopy must not be archived either.
 *
 * @throws S3Error InvalidObjectState
 */
export function assertCopyableSource(object: Pick<ObjectRecord, 'storageClass'>): void {
  if (object.storageClass === undefined || !ARCHIVED.has(object.storageClass)) return;
  throw new S3Error('InvalidObjectState', {
    message: "Operation is not valid for the source object's storage class",
    detail: { StorageClass: object.storageClass },
  });
}
