/**
 * SigV4 header signing for the benchmark's raw requests, done as aws-cli and boto3 do over plain
 * HTTP: the payload's SHA-256 in `x-amz-content-sha256`, `host`, `x-amz-content-sha256` and
 * `x-amz-date` signed, a fresh signature per request. The targets differ in what they check (s3rver
 * the shape and its access key, moto and LocalStack nothing by default, this server what
 * `shared/s3` checks), but each receives and parses what a real client sends.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
 */
import { createHash, createHmac } from 'node:crypto';

/** The credentials every target accepts: s3rver insists on `S3RVER`, the others take any. */
export const BENCH_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
export const BENCH_REGION = 'us-east-1';

/** SHA-256 of nothing: the payload hash of a request without a body. */
export const EMPTY_PAYLOAD_SHA256 = createHash('sha256').update('').digest('hex');

/** Hex SHA-256 of a body, for `x-amz-content-sha256`. */
export function payloadSha256(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

/** Encodes as SigV4's canonical form wants: RFC 3986 unreserved characters kept, the rest %XX. */
export function uriEncode(value: string, keepSlash: boolean): string {
  const encoded = encodeURIComponent(value).replace(
    /[!'()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return keepSlash ? encoded.replace(/%2F/g, '/') : encoded;
}

/** A request to sign: the path already encoded (as sent), the query as name/value pairs. */
export interface RequestToSign {
  readonly method: string;
  readonly path: string;
  readonly query?: readonly (readonly [string, string])[];
  readonly payloadHash: string;
}

/** The request line's path and query, and the header lines to send with it. */
export interface SignedRequest {
  readonly target: string;
  readonly headerLines: string;
}

/**
 * Signs requests for one `host` (`127.0.0.1:port`). The signing key is derived once per day and the
 * `x-amz-date` string once per second, as a long-running client would; the canonical request and
 * its HMAC are computed for every request.
 */
export class SigV4Signer {
  private day = '';
  private signingKey: Buffer = Buffer.alloc(0);
  private second = -1;
  private amzDate = '';

  constructor(
    private readonly host: string,
    private readonly now: () => number = Date.now,
  ) {}

  sign(request: RequestToSign): SignedRequest {
    const amzDate = this.currentAmzDate();
    const day = amzDate.slice(0, 8);
    if (day !== this.day) {
      this.day = day;
      this.signingKey = deriveSigningKey(BENCH_CREDENTIALS.secretAccessKey, day);
    }
    const query = request.query ?? [];
    const canonicalQuery = query
      .map(([name, value]) => `${uriEncode(name, false)}=${uriEncode(value, false)}`)
      .sort()
      .join('&');
    const canonicalRequest = [
      request.method,
      request.path,
      canonicalQuery,
      `host:${this.host}\nx-amz-content-sha256:${request.payloadHash}\nx-amz-date:${amzDate}\n`,
      SIGNED_HEADERS,
      request.payloadHash,
    ].join('\n');
    const scope = `${day}/${BENCH_REGION}/s3/aws4_request`;
    const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
    const signature = createHmac('sha256', this.signingKey).update(stringToSign).digest('hex');
    return {
      target: canonicalQuery === '' ? request.path : `${request.path}?${canonicalQuery}`,
      headerLines:
        `authorization: AWS4-HMAC-SHA256 Credential=${BENCH_CREDENTIALS.accessKeyId}/${scope}, ` +
        `SignedHeaders=${SIGNED_HEADERS}, Signature=${signature}\r\n` +
        `x-amz-content-sha256: ${request.payloadHash}\r\nx-amz-date: ${amzDate}\r\n`,
    };
  }

  private currentAmzDate(): string {
    const ms = this.now();
    const second = Math.floor(ms / 1000);
    if (second !== this.second) {
      this.second = second;
      this.amzDate = new Date(ms).toISOString().replace(/[:-]|\.\d{3}/g, '');
    }
    return this.amzDate;
  }
}

const SIGNED_HEADERS = 'host;x-amz-content-sha256;x-amz-date';

function deriveSigningKey(secret: string, day: string): Buffer {
  const dateKey = createHmac('sha256', `AWS4${secret}`).update(day).digest();
  const regionKey = createHmac('sha256', dateKey).update(BENCH_REGION).digest();
  const serviceKey = createHmac('sha256', regionKey).update('s3').digest();
  return createHmac('sha256', serviceKey).update('aws4_request').digest();
}
