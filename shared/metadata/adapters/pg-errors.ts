import { MetadataUnavailableError } from '../ports.js';

/**
 * SQLSTATEs that mean "the backend could not serve this now; a retry may work", as opposed to a
 * bug or a constraint the caller must handle. https://www.postgresql.org/docs/15/errcodes-appendix.html
 */
const UNAVAILABLE_SQLSTATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '53300', // too_many_connections
  '55P03', // lock_not_available (lock_timeout)
  '57014', // query_canceled (statement_timeout)
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, recovery)
  '25P03', // idle_in_transaction_session_timeout
]);

/** SQLSTATE classes that are unavailable as a whole: connection exceptions, insufficient resources. */
const UNAVAILABLE_CLASSES = ['08', '53'];

/** Errors node and `pg` raise when the server is unreachable or the socket dies. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);
const NETWORK_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /query read timeout/i,
  /client has encountered a connection error/i,
  /connection is not open/i,
  /cannot use a pool after calling end/i,
];

/**
 * Turns a `pg` failure into MetadataUnavailableError when it is a backend outage, timeout or
 * serialization failure; anything else (constraint violations, syntax) is returned unchanged so
 * the store can still tell e.g. a foreign-key violation apart.
 */
export function toMetadataError(error: unknown): unknown {
  if (error instanceof MetadataUnavailableError) return error;
  // Duck-typed: socket errors come from node's own realm, where `instanceof Error` can be false
  // (jest's VM modules, for one).
  if (typeof error !== 'object' || error === null || typeof (error as Error).message !== 'string')
    return error;
  const { code, message } = error as Error & { code?: unknown };
  // Node's codes first: 'EPIPE' has the shape of a SQLSTATE.
  if (
    (typeof code === 'string' && NETWORK_CODES.has(code)) ||
    NETWORK_MESSAGES.some((p) => p.test(message))
  ) {
    return new MetadataUnavailableError(`metadata backend unreachable: ${message}`, { cause: error });
  }
  if (
    typeof code === 'string' &&
    (UNAVAILABLE_SQLSTATES.has(code) || UNAVAILABLE_CLASSES.includes(code.slice(0, 2)))
  ) {
    return new MetadataUnavailableError(`metadata backend unavailable: ${message}`, {
      cause: error,
      sqlstate: code,
    });
  }
  return error;
}
