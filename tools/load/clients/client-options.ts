/** What both load clients share: the per-request time bound, so a partitioned node cannot hang a drill. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

export interface LoadClientOptions {
  /** `sdk` only: the SDK's `maxAttempts` (undefined: its default, 3). */
  readonly maxAttempts?: number;
  /** Bound of one request (the `sdk` client: of one attempt); `Timeout` when it passes. */
  readonly timeoutMs?: number;
}

/** The error code a transport failure is reported under (`ECONNRESET`, `Timeout`, ...). */
export function transportErrorCode(error: unknown): string {
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  if (name === 'TimeoutError' || name === 'AbortError' || code === 'ETIMEDOUT') return 'Timeout';
  if (typeof code === 'string' && code !== '') return code;
  if (typeof name === 'string' && name !== '' && name !== 'Error') return name;
  return 'NetworkError';
}

/** S3's `x-amz-request-id`; `x-amzn-requestid` where an emulator (moto) names it so. */
export function requestIdOf(headers: Readonly<Record<string, string>> | undefined): string | undefined {
  return headers?.['x-amz-request-id'] ?? headers?.['x-amzn-requestid'];
}
