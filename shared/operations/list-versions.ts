import type { ObjectVersion } from '../metadata/ports.js';
import type { S3Services } from '../runtime/runtime.js';
import { S3Error } from '../s3/errors.js';
import { requireBucket } from './buckets.js';
import { listedVersions } from './consistency.js';
import { commonPrefixOf, listBatchSize } from './list-objects.js';
import { assertVersionIdFormat, shownVersionId } from './versions.js';

export interface ListVersionsPageQuery {
  bucket: string;
  prefix: string;
  delimiter: string;
  /** `key-marker`: versions of keys after it (or after every key under it, for a common prefix). */
  keyMarker: string;
  /** `version-id-marker`: with keyMarker, the versions of keyMarker older than this one too. */
  versionIdMarker?: string;
  maxKeys: number;
}

export interface VersionsPage {
  versions: ObjectVersion[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** Where the next page starts: NextKeyMarker, and NextVersionIdMarker after a version. */
  next: { keyMarker: string; versionIdMarker?: string } | undefined;
}

/**
 * One page of ListObjectVersions: versions and delete markers in key byte order, newest first
 * within a key, a page boundary possibly inside a key's versions. Keys with the delimiter after
 * the prefix roll up into common prefixes (each counts once against max-keys, as every version
 * does), skipped past with one query. An unversioned bucket lists its objects as null versions.
 */
export async function listVersionsPage(
  services: S3Services,
  query: ListVersionsPageQuery,
): Promise<VersionsPage> {
  await requireBucket(services, query.bucket);
  const { bucket, prefix, delimiter, maxKeys } = query;
  if (query.versionIdMarker !== undefined && query.keyMarker === '') {
    throw new S3Error('InvalidArgument', {
      message: 'A version-id marker cannot be specified without a key marker.',
      detail: { ArgumentName: 'version-id-marker', ArgumentValue: query.versionIdMarker },
    });
  }
  if (query.versionIdMarker !== undefined) assertVersionIdFormat(query.versionIdMarker, 'version-id-marker');
  const page: VersionsPage = { versions: [], commonPrefixes: [], isTruncated: false, next: undefined };
  if (maxKeys === 0) return page;
  // A key marker that is a common prefix of an earlier page: every key under it was rolled up.
  const markerIsPrefix =
    delimiter !== '' && query.keyMarker.endsWith(delimiter) && query.keyMarker.startsWith(prefix);
  let cursor: { keyMarker: string; versionIdMarker?: string } = markerIsPrefix
    ? { keyMarker: skipPrefix(query.keyMarker) }
    : {
        keyMarker: query.keyMarker,
        ...(query.versionIdMarker ? { versionIdMarker: query.versionIdMarker } : {}),
      };
  const batchSize = listBatchSize(maxKeys);
  for (;;) {
    const fetched = await services.metadata.listObjectVersions({
      bucket,
      prefix,
      ...cursor,
      limit: batchSize,
    });
    let skipped = false;
    for (const version of listedVersions(fetched, services)) {
      if (page.versions.length + page.commonPrefixes.length === maxKeys) {
        page.isTruncated = true;
        return page;
      }
      const rolled = delimiter ? commonPrefixOf(version.object.key, prefix, delimiter) : undefined;
      if (rolled === undefined) {
        page.versions.push(version);
        page.next = { keyMarker: version.object.key, versionIdMarker: shownVersionId(version.object) };
        continue;
      }
      page.commonPrefixes.push(rolled);
      page.next = { keyMarker: rolled };
      cursor = { keyMarker: skipPrefix(rolled) };
      skipped = true;
      break;
    }
    if (skipped) continue;
    if (fetched.length < batchSize) return page;
    const last = fetched.at(-1)!.object;
    cursor = { keyMarker: last.key, versionIdMarker: shownVersionId(last) };
  }
}

/** A marker just past every key that starts with `prefix` (U+10FFFF sorts after any character). */
function skipPrefix(prefix: string): string {
  return `${prefix}\u{10FFFF}`;
}
