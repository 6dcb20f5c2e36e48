import { createHash, createHmac } from 'node:crypto';

/** s3rver accepts only this access key; mock-s3 accepts any. The secret is s3rver's too. */
const ACCESS_KEY_ID = 'S3RVER';
const SECRET_ACCESS_KEY = 'S3RVER';
const REGION = 'us-east-1';
const SIGNED_HEADERS = 'host;x-amz-content-sha256;x-amz-date';
/** SHA-256 of no bytes: the payload hash of a GET, as the SDK sends it. */
export const EMPTY_PAYLOAD_SHA256 = createHash('sha256').update('').digest('hex');

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/**
 * Signs requests with SigV4 headers as the SDK does (`host;x-amz-content-sha256;x-amz-date`), with
 * the day's signing key derived once, as the SDK caches it. No target verifies the signature; the
 * point is that the server parses what clients really send and the client pays what they pay.
 */
export class SigV4Signer {
  private day = '';
  private signingKey: Buffer = Buffer.alloc(0);

  constructor(private readonly host: string) {}

  /** Headers for `method path?query` (query already canonical: sorted, encoded) with `payloadSha256`. */
  headers(method: string, path: string, query: string, payloadSha256: string): Record<string, string> {
    const amzDate = new Date().toISOString().replace(/[:-]|\.\d{3}/g, '');
    const day = amzDate.slice(0, 8);
    if (day !== this.day) {
      this.day = day;
      this.signingKey = hmac(hmac(hmac(hmac(`AWS4${SECRET_ACCESS_KEY}`, day), REGION), 's3'), 'aws4_request');
    }
    const canonicalRequest = [
      method,
      path,
      query,
      `host:${this.host}\nx-amz-content-sha256:${payloadSha256}\nx-amz-date:${amzDate}\n`,
      SIGNED_HEADERS,
      payloadSha256,
    ].join('\n');
    const scope = `${day}/${REGION}/s3/aws4_request`;
    const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
    const signature = createHmac('sha256', this.signingKey).update(stringToSign).digest('hex');
    return {
      authorization: `AWS4-HMAC-SHA256 Credential=${ACCESS_KEY_ID}/${scope}, SignedHeaders=${SIGNED_HEADERS}, Signature=${signature}`,
      'x-amz-content-sha256': payloadSha256,
      'x-amz-date': amzDate,
    };
  }
}
