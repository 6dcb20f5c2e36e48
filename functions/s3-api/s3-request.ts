import { bodyBytes, bodyStreamOf, type StreamedBody } from '../../layers/binary-body.js';
import type { ApiEvent } from '../../layers/request-context.js';
import { S3Error } from '../../shared/s3/errors.js';
import { assertStorableKey } from '../../shared/s3/names.js';

/** An S3 request as the operations see it: addressing resolved, names decoded, headers lower-cased. */
export interface S3Request {
  method: string;
  bucket: string | undefined;
  key: string | undefined;
  query: URLSearchParams;
  headers: Record<string, string>;
  /** The raw body bytes (still aws-chunked framed if the client sent it so). */
  body(): Buffer;
  /**
   * The raw body as the host streamed it (a large body in embedded mode), else undefined. Only the
   * operations that write it as it arrives (STREAMED_BODY_OPERATIONS) see one; for the others the
   * handler has read it whole into `body()`.
   */
  bodyStream(): StreamedBody | undefined;
}

/** Operations that take a streamed body as it is: their bodies are object bytes. */
export const STREAMED_BODY_OPERATIONS: ReadonlySet<string> = new Set(['PutObject', 'UploadPart']);

/**
 * Reads bucket and key from the raw path, never from path parameters: the path keeps the client's
 * encoding (`a%2Fb`, `+`, `..`), and a virtual-host request (`bucket.s3domain`) names the bucket in
 * the Host header instead. https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html
 */
export function parseS3Request(event: ApiEvent, s3Domain: string): S3Request {
  const headers = event.headers as Record<string, string>;
  const segments = splitPath(event.rawPath);
  const hostBucket = bucketFromHost(headers.host, s3Domain);
  const [bucket, key] =
    hostBucket === undefined ? [segments[0], segments[1]] : [hostBucket, joinKey(segments)];
  // No bucket can be named with NUL, and PostgreSQL text could not even look one up (a 500).
  if (bucket?.includes('\u0000')) throw new S3Error('InvalidBucketName', { detail: { BucketName: bucket } });
  if (key) assertStorableKey(key);
  const query = new URLSearchParams(event.rawQueryString);
  // Prefixes, markers and delimiters are compared with stored keys, which cannot hold NUL either.
  for (const value of query.values()) {
    if (value.includes('\u0000')) {
      throw new S3Error('InvalidArgument', {
        message: 'Query parameters must not contain the NUL character (%00).',
      });
    }
  }
  let body: Buffer | undefined;
  return {
    method: event.requestContext.http.method.toUpperCase(),
    bucket: bucket || undefined,
    key: key || undefined,
    query,
    headers,
    body: () => {
      body ??= bodyBytes(event);
      return body;
    },
    bodyStream: () => bodyStreamOf(event),
  };
}

/** `/bucket/some/key` -> ['bucket', 'some/key'], each part percent-decoded. */
function splitPath(rawPath: string): [string | undefined, string | undefined] {
  const path = rawPath.startsWith('/') ? rawPath.slice(1) : rawPath;
  const slash = path.indexOf('/');
  if (slash < 0) return [decode(path), undefined];
  return [decode(path.slice(0, slash)), decode(path.slice(slash + 1))];
}

function joinKey([first, rest]: [string | undefined, string | undefined]): string | undefined {
  if (first === undefined || first === '') return undefined;
  return rest === undefined ? first : `${first}/${rest}`;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new S3Error('InvalidURI', { message: "Couldn't parse the specified URI." });
  }
}

function bucketFromHost(host: string | undefined, s3Domain: string): string | undefined {
  if (!host) return undefined;
  const name = host.replace(/:\d+$/, '').toLowerCase();
  const suffix = `.${s3Domain}`;
  if (!name.endsWith(suffix)) return undefined;
  const bucket = name.slice(0, -suffix.length);
  // `s3.localhost` is the service endpoint itself, not a bucket.
  return bucket === '' || bucket === 's3' ? undefined : bucket;
}
