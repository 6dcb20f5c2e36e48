import type { ObjectRecord } from '../metadata/ports.js';

// Issue 15 contract stub: the ENCRYPT part implements these.

/** `x-amz-storage-class` of a write, validated against the classes AWS lists; undefined for none. */
export function storageClassFrom(_headers: Record<string, string>): string | undefined {
  return undefined;
}

/** `x-amz-storage-class` on GET/HEAD (S3 leaves it out for STANDARD). */
export function storageClassHeader(_object: ObjectRecord): Record<string, string> {
  return {};
}
