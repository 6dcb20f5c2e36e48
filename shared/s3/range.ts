/**
 * The `Range` header of GetObject/HeadObject, as S3 reads it: one byte range, or the whole object.
 * https://www.rfc-editor.org/rfc/rfc9110#section-14.1.2 and
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html#API_GetObject_RequestSyntax
 */
import { S3Error } from './errors.js';

export interface ByteRange {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, inclusive. */
  end: number;
}

const SINGLE_RANGE = /^bytes=(\d*)-(\d*)$/;

/**
 * Parses a Range header against an object of `size` bytes.
 *
 * Returns undefined (send the whole object) when there is no header, when it is not a valid
 * single byte range, or when it asks for several ranges: S3 ignores what it cannot serve, as
 * RFC 9110 allows. A range past the end is clamped to the last byte.
 *
 * @throws S3Error InvalidRange (416) when the range cannot be satisfied: it starts at or after
 *   the end, it is the suffix `-0`, or the object is empty.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const match = SINGLE_RANGE.exec(header.trim());
  if (match === null) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;

  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) throw unsatisfiable(header, size);
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? Number.POSITIVE_INFINITY : Number(last);
  if (end < start) return undefined;
  if (start >= size) throw unsatisfiable(header, size);
  return { start, end: Math.min(end, size - 1) };
}

function unsatisfiable(header: string, size: number): S3Error {
  // S3 names the range and the size in the error body, in this order.
  return new S3Error('InvalidRange', { detail: { RangeRequested: header, ActualObjectSize: String(size) } });
}
