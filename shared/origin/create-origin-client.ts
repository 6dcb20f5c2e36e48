import { createHttpOriginClient } from './http-origin-client.js';
import type { OriginClient, OriginConfig } from './ports.js';

/**
 * The client of one bucket's origin, by kind: `s3` through `@aws-sdk/client-s3` (signed, any
 * S3-compatible endpoint), `http` as `GET {endpoint}/{key}`. Both honour the fetch's AbortSignal
 * and throw OriginError for a failure; neither retries.
 */
export function createOriginClient(config: OriginConfig): OriginClient {
  return config.kind === 's3' ? lazyS3OriginClient(config) : createHttpOriginClient(config);
}

/**
 * The `s3` client, with the AWS SDK loaded at its first fetch: a server without an S3 origin (most
 * of them) never holds the SDK's modules in memory (~20 MB resident).
 */
function lazyS3OriginClient(config: OriginConfig): OriginClient {
  let opened: Promise<OriginClient> | undefined;
  const open = () =>
    (opened ??= import('./s3-origin-client.js').then(({ createS3OriginClient }) =>
      createS3OriginClient(config),
    ));
  return {
    async get(key, options) {
      return (await open()).get(key, options);
    },
    close() {
      void opened?.then((client) => client.close());
    },
  };
}
