/** Picks the load client a run asked for (`--client sdk|raw`). */
import type { ClientKind, S3LoadClient } from '../types.js';
import type { LoadClientOptions } from './client-options.js';
import { createRawClient } from './raw-client.js';
import { createSdkClient } from './sdk-client.js';

export { DEFAULT_REQUEST_TIMEOUT_MS, type LoadClientOptions } from './client-options.js';

/** `sdk` (`@aws-sdk/client-s3` with an application's defaults) or `raw` (the lean HTTP client). */
export function createLoadClient(
  kind: ClientKind,
  target: string,
  options: LoadClientOptions = {},
): S3LoadClient {
  return kind === 'sdk' ? createSdkClient(target, options) : createRawClient(target, options);
}
