import { createHttpOriginClient } from './http-origin-client.js';
import type { OriginClient, OriginConfig } from './ports.js';
import { createS3OriginClient } from './s3-origin-client.js';

/**
 * The client of one bucket's origin, by kind: `s3` through `@aws-sdk/client-s3` (signed, any
 * S3-compatible endpoint), `http` as `GET {endpoint}/{key}`. Both honour the fetch's AbortSignal
 * and throw OriginError for a failure; neither retries.
 */
export function createOriginClient(config: OriginConfig): OriginClient {
  return config.kind === 's3' ? createS3OriginClient(config) : createHttpOriginClient(config);
}
