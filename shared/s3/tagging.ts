import type { ObjectRecord, Tag } from '../metadata/ports.js';

// Issue 15 contract stub: the ATTRS part implements these (parsing, AWS's limits and errors).

/**
 * The tags of `x-amz-tagging` (URL-encoded `k1=v1&k2=v2`), validated with AWS's limits; undefined
 * when the header is absent.
 */
export function tagsFromHeader(_value: string | undefined): Tag[] | undefined {
  return undefined;
}

/** The tags of a `<Tagging><TagSet>...` document (PutObjectTagging, PutBucketTagging, POST Object's `tagging` field), validated. */
export function parseTaggingDocument(_body: Buffer): Tag[] {
  return [];
}

/** The tags a CopyObject gives its target: the source's (directive COPY, the default) or the header's (REPLACE). */
export function tagsForCopy(_headers: Record<string, string>, source: ObjectRecord): Tag[] | undefined {
  return source.tags;
}

/** `x-amz-tagging-count` on GET/HEAD, only when the object has tags. */
export function taggingCountHeader(_object: ObjectRecord): Record<string, string> {
  return {};
}
