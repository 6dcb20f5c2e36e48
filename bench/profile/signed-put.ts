import type { S3Request } from '../client/s3-request.js';
import type { SigV4Signer } from './sigv4.js';

/** A PUT of `body` (whose SHA-256 is `bodySha256`, hex) at `path`, signed now, as a client sends it. */
export function signedPut(signer: SigV4Signer, path: string, body: Buffer, bodySha256: string): S3Request {
  return {
    method: 'PUT',
    path,
    headers: {
      ...signer.headers('PUT', path, '', bodySha256),
      'content-type': 'application/octet-stream',
      'content-length': body.length,
    },
    body,
  };
}
