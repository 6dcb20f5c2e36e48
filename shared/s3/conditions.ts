/**
 * Conditional requests: If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since on
 * GetObject/HeadObject, and their `x-amz-copy-source-if-*` forms on CopyObject/UploadPartCopy.
 * Precedence follows RFC 9110 §13.2.2 as S3 documents it:
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html#API_GetObject_RequestSyntax
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html#API_CopyObject_RequestSyntax
 */
import { S3Error } from './errors.js';

export interface ConditionTarget {
  /** Quoted or not. */
  etag: string;
  lastModified: Date;
}

type Headers = Record<string, string | undefined>;

/**
 * Evaluates the conditional headers of a GET or HEAD against the object.
 *
 * - If-Match is checked first; when present, If-Unmodified-Since is ignored (so If-Match true and
 *   If-Unmodified-Since false proceeds).
 * - If-None-Match next; when present, If-Modified-Since is ignored (so If-None-Match false and
 *   If-Modified-Since true is 304).
 *
 * @throws S3Error PreconditionFailed (412) or NotModified (304, carrying ETag and Last-Modified)
 */
export function checkConditions(headers: Headers, object: ConditionTarget): void {
  const failed = evaluate(headers, object, '');
  if (failed === undefined) return;
  if (failed.kind === 'none-match' || failed.kind === 'modified-since') {
    throw new S3Error('NotModified', {
      headers: { ETag: quoteEtag(object.etag), 'Last-Modified': object.lastModified.toUTCString() },
    });
  }
  throw new S3Error('PreconditionFailed', { detail: { Condition: failed.condition } });
}

/**
 * Evaluates `x-amz-copy-source-if-*` against the copy source, with the same precedence as
 * {@link checkConditions}; every failure is PreconditionFailed (412) for a copy.
 *
 * @throws S3Error PreconditionFailed
 */
export function checkCopySourceConditions(headers: Headers, object: ConditionTarget): void {
  const failed = evaluate(headers, object, 'x-amz-copy-source-');
  if (failed !== undefined)
    throw new S3Error('PreconditionFailed', { detail: { Condition: failed.condition } });
}

interface Failure {
  kind: 'match' | 'unmodified-since' | 'none-match' | 'modified-since';
  /** The header as S3 names it in `<Condition>`. */
  condition: string;
}

function evaluate(headers: Headers, object: ConditionTarget, prefix: string): Failure | undefined {
  const name = (header: string): string => `${prefix}${header}`;
  const ifMatch = headers[name('if-match')];
  const ifNoneMatch = headers[name('if-none-match')];
  const ifModifiedSince = parseHttpDate(headers[name('if-modified-since')]);
  const ifUnmodifiedSince = parseHttpDate(headers[name('if-unmodified-since')]);
  const conditionName = (header: string): string => `${prefix}${header}`;

  if (ifMatch !== undefined) {
    if (!etagListMatches(ifMatch, object.etag))
      return { kind: 'match', condition: conditionName('If-Match') };
  } else if (ifUnmodifiedSince !== undefined && modifiedAfter(object.lastModified, ifUnmodifiedSince)) {
    return { kind: 'unmodified-since', condition: conditionName('If-Unmodified-Since') };
  }
  if (ifNoneMatch !== undefined) {
    if (etagListMatches(ifNoneMatch, object.etag)) {
      return { kind: 'none-match', condition: conditionName('If-None-Match') };
    }
  } else if (ifModifiedSince !== undefined && !modifiedAfter(object.lastModified, ifModifiedSince)) {
    return { kind: 'modified-since', condition: conditionName('If-Modified-Since') };
  }
  return undefined;
}

/** Whether a header ETag list (`"a", b, W/"c"` or `*`) names this ETag; quotes do not matter. */
export function etagListMatches(list: string, etag: string): boolean {
  const wanted = bareEtag(etag);
  return list.split(',').some((candidate) => {
    const trimmed = candidate.trim();
    return trimmed === '*' || bareEtag(trimmed) === wanted;
  });
}

function bareEtag(etag: string): string {
  const strong = etag.startsWith('W/') ? etag.slice(2) : etag;
  return strong.replace(/^"|"$/g, '');
}

function quoteEtag(etag: string): string {
  return `"${bareEtag(etag)}"`;
}

/** An HTTP date; undefined when absent or invalid (S3 ignores a condition it cannot read). */
function parseHttpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}

/** HTTP dates have whole seconds: compare Last-Modified at that precision. */
function modifiedAfter(lastModified: Date, since: number): boolean {
  return Math.floor(lastModified.getTime() / 1000) > Math.floor(since / 1000);
}
