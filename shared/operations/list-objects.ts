import type { ObjectRecord } from '../metadata/ports.js';
import type { S3Services } from '../runtime/runtime.js';
import { requireBucket } from './buckets.js';
import { listedObjects } from './consistency.js';

export interface ListQuery {
  bucket: string;
  prefix: string;
  delimiter: string;
  /** List keys strictly after this one. */
  after: string;
  /** When `after` is a common prefix returned on an earlier page, skip every key under it. */
  afterIsPrefix: boolean;
  maxKeys: number;
}

export interface ListPage {
  objects: ObjectRecord[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last key or common prefix of this page: where the next page starts. */
  last: { value: string; isPrefix: boolean } | undefined;
}

/**
 * Lists one page of keys in UTF-8 byte order, rolling keys that contain the delimiter after the
 * prefix into common prefixes (each counts once against max-keys, as in S3). Skips past a common
 * prefix with one query instead of reading every key beneath it.
 */
export async function listObjectsPage(services: S3Services, query: ListQuery): Promise<ListPage> {
  await requireBucket(services, query.bucket);
  const { bucket, prefix, delimiter, maxKeys } = query;
  const page: ListPage = { objects: [], commonPrefixes: [], isTruncated: false, last: undefined };
  // max-keys=0 asks for nothing: S3 answers an empty page that is not truncated (and so no token).
  if (maxKeys === 0) return page;
  let after = query.afterIsPrefix ? skipPrefix(query.after) : query.after;
  const batchSize = listBatchSize(maxKeys);
  for (;;) {
    const fetched = await services.metadata.listObjects({ bucket, prefix, after, limit: batchSize });
    const batch = listedObjects(fetched, services);
    let skipped = false;
    for (const object of batch) {
      const rolled = delimiter ? commonPrefixOf(object.key, prefix, delimiter) : undefined;
      if (page.objects.length + page.commonPrefixes.length === maxKeys) {
        page.isTruncated = true;
        return page;
      }
      if (rolled === undefined) {
        page.objects.push(object);
        page.last = { value: object.key, isPrefix: false };
        continue;
      }
      page.commonPrefixes.push(rolled);
      page.last = { value: rolled, isPrefix: true };
      after = skipPrefix(rolled);
      skipped = true;
      break;
    }
    if (skipped) continue;
    if (fetched.length < batchSize) return page;
    after = fetched.at(-1)!.key;
  }
}

/** Rows per metadata query at most: S3's largest page (max-keys 1,000) and the one key after it. */
const MAX_BATCH = 1001;

/**
 * Rows a listing asks the metadata store for at a time: one more than the page holds says whether
 * it is truncated, so a full page (the common 1,000 keys) is one query, not a second one of 1,000
 * rows to learn that one more key exists. At least 100, for pages that roll keys up.
 */
export function listBatchSize(maxKeys: number): number {
  return Math.min(Math.max(maxKeys + 1, 100), MAX_BATCH);
}

/** The common prefix a key rolls up into, or undefined when it has no delimiter after the prefix. */
export function commonPrefixOf(key: string, prefix: string, delimiter: string): string | undefined {
  const index = key.indexOf(delimiter, prefix.length);
  return index < 0 ? undefined : key.slice(0, index + delimiter.length);
}

/**
 * A marker just past every key that starts with `prefix`: U+10FFFF is the largest code point, so in
 * UTF-8 byte order it sorts after any other character that can follow the prefix.
 */
function skipPrefix(prefix: string): string {
  return `${prefix}\u{10FFFF}`;
}
