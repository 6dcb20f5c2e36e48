/**
 * Presigned URLs: query-string SigV4 (`X-Amz-*`) and SigV2 (`AWSAccessKeyId`, `Expires`,
 * `Signature`). Signatures are accepted and never checked, as everywhere in this service; only the
 * expiry is enforced, because applications test how they handle an expired link.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html#RESTAuthenticationQueryStringAuth
 */
import { S3Error } from './errors.js';

/** The longest a SigV4 presigned URL may live: seven days. */
export const MAX_PRESIGNED_EXPIRES_SECONDS = 604_800;

const SIGV4_PARAMETERS = [
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Signature',
  'X-Amz-Date',
  'X-Amz-SignedHeaders',
  'X-Amz-Expires',
] as const;

/** `yyyyMMdd'T'HHmmss'Z'`, the only form S3 takes for X-Amz-Date. */
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/**
 * Refuses a presigned request S3 would refuse before running it: a SigV4 URL missing one of its
 * parameters, with a malformed X-Amz-Date or an X-Amz-Expires outside 1..604800 (400
 * AuthorizationQueryParametersError), or one whose time is up (403 AccessDenied "Request has
 * expired", with the X-Amz-Expires, Expires and ServerTime elements S3 adds). Requests that are not
 * presigned pass untouched.
 *
 * @param query the request's query parameters (names are case-sensitive, as S3 reads them)
 * @param now the server's time (services.clock)
 * @throws S3Error AuthorizationQueryParametersError or AccessDenied
 */
export function assertPresignedUnexpired(query: URLSearchParams, now: Date): void {
  if (query.has('X-Amz-Algorithm')) assertSigV4Unexpired(query, now);
  else if (query.has('AWSAccessKeyId') && query.has('Expires')) assertSigV2Unexpired(query, now);
}

function assertSigV4Unexpired(query: URLSearchParams, now: Date): void {
  if (SIGV4_PARAMETERS.some((name) => !query.get(name))) {
    throw queryParametersError(
      'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
    );
  }
  if (query.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') {
    throw queryParametersError('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
  }
  const signedAt = parseAmzDate(query.get('X-Amz-Date') ?? '');
  if (signedAt === undefined) {
    throw queryParametersError(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`);
  }
  const expiresText = query.get('X-Amz-Expires') ?? '';
  if (!/^-?\d+$/.test(expiresText)) throw queryParametersError('X-Amz-Expires should be a number');
  const expires = Number(expiresText);
  if (expires < 1) throw queryParametersError('X-Amz-Expires must be non-negative');
  if (expires > MAX_PRESIGNED_EXPIRES_SECONDS) {
    throw queryParametersError(
      `X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than ${MAX_PRESIGNED_EXPIRES_SECONDS} seconds`,
    );
  }
  const expiresAt = new Date(signedAt.getTime() + expires * 1000);
  if (now.getTime() > expiresAt.getTime()) {
    throw expired({
      'X-Amz-Expires': expiresText,
      Expires: isoSeconds(expiresAt),
      ServerTime: isoSeconds(now),
    });
  }
}

function assertSigV2Unexpired(query: URLSearchParams, now: Date): void {
  const expiresText = query.get('Expires') ?? '';
  if (!/^\d{1,12}$/.test(expiresText)) {
    throw new S3Error('AccessDenied', {
      message: `Invalid date (should be seconds since epoch): ${expiresText}`,
    });
  }
  const expiresAt = new Date(Number(expiresText) * 1000);
  if (now.getTime() > expiresAt.getTime()) {
    throw expired({ Expires: isoSeconds(expiresAt), ServerTime: isoSeconds(now) });
  }
}

/** X-Amz-Date as a time, or undefined when it is not `yyyyMMdd'T'HHmmss'Z'` naming a real instant. */
function parseAmzDate(text: string): Date | undefined {
  const match = AMZ_DATE.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const time = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  // Date.UTC rolls 20260231 over into March: such a date is malformed, not a later one.
  const valid =
    time.getUTCFullYear() === year &&
    time.getUTCMonth() === month - 1 &&
    time.getUTCDate() === day &&
    time.getUTCHours() === hour &&
    time.getUTCMinutes() === minute &&
    time.getUTCSeconds() === second;
  return valid ? time : undefined;
}

/** `2026-12-07T10:00:00Z`: S3 writes these times without milliseconds. */
function isoSeconds(time: Date): string {
  return time.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function queryParametersError(message: string): S3Error {
  return new S3Error('AuthorizationQueryParametersError', { message });
}

function expired(detail: Record<string, string>): S3Error {
  return new S3Error('AccessDenied', { message: 'Request has expired', detail });
}
