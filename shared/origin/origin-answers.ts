import { type OriginAnswer, OriginError } from './ports.js';

/** Socket-level codes that mean the origin could not be reached (or dropped the connection). */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
]);

/**
 * What an origin's answer other than 200 means: 404 (or `NoSuchKey`) is `{ found: false }`; 429, 503
 * or `SlowDown` is the origin throttling (`throttled`); anything else is an `OriginError` of kind
 * `status` naming the status and the S3 code when the body had one. Throws for all but 404.
 */
export function originAnswerForStatus(
  status: number,
  code: string | undefined,
  target: string,
  cause?: unknown,
): OriginAnswer {
  if (status === 404 || code === 'NoSuchKey') return { found: false };
  const named = code ? `${status} ${code}` : `${status}`;
  const details = { status, ...(code ? { code } : {}) };
  const options = cause === undefined ? undefined : { cause };
  if (status === 429 || status === 503 || code === 'SlowDown') {
    throw new OriginError('throttled', `origin ${target} throttled the fetch (${named})`, details, options);
  }
  throw new OriginError('status', `origin ${target} answered ${named}`, details, options);
}

/**
 * The OriginError for a fetch that got no HTTP answer: `unreachable` for a refused, reset or
 * unresolvable connection (and anything else that is not a timeout), `timeout` for a socket or
 * request timeout.
 */
export function originNetworkFailure(error: unknown, target: string): OriginError {
  if (error instanceof OriginError) return error;
  const code = errorCode(error);
  const name = error instanceof Error ? error.name : '';
  // The SDK names a dropped connection `TimeoutError` (code ECONNRESET, "socket hang up"): the code decides.
  if (code && UNREACHABLE_CODES.has(code)) {
    return new OriginError('unreachable', `origin ${target} unreachable: ${code}`, {}, { cause: error });
  }
  if (name === 'TimeoutError' || code === 'ETIMEDOUT' || name === 'HttpTimeoutError') {
    return new OriginError(
      'timeout',
      `origin ${target} timed out: ${messageOf(error)}`,
      {},
      { cause: error },
    );
  }
  return new OriginError(
    'unreachable',
    `origin ${target} unreachable: ${messageOf(error)}`,
    {},
    { cause: error },
  );
}

/** The system error code of `error` or of its causes (fetch and the SDK wrap the socket's). */
function errorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
