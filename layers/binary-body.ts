import type { ApiEvent, ApiResult } from './request-context.js';

/**
 * API Gateway carries binary bodies as base64 strings. A host in this process can hand the bytes over
 * as they are instead: the `body` string is then only built if someone reads it, so a 1 KiB GET pays
 * no base64 round trip and a large object never meets V8's string length limit. Hosts across a
 * process boundary (serverless-offline) see the plain base64 fields, as in Lambda.
 */
const RAW_BODY = Symbol.for('mock-s3.raw-body');

type WithRawBody = { [RAW_BODY]?: Buffer };

/** Gives an event or result the bytes of its body, with a lazy base64 `body` for standard readers. */
export function attachRawBody<T extends ApiEvent | ApiResult>(target: T, bytes: Buffer): T {
  (target as WithRawBody)[RAW_BODY] = bytes;
  let encoded: string | undefined;
  Object.defineProperty(target, 'body', {
    enumerable: true,
    configurable: true,
    get: () => {
      encoded ??= bytes.toString('base64');
      return encoded;
    },
  });
  target.isBase64Encoded = true;
  return target;
}

/** The body bytes of an event or result, whichever way they came. */
export function bodyBytes(target: ApiEvent | ApiResult): Buffer {
  const raw = (target as WithRawBody)[RAW_BODY];
  if (raw) return raw;
  const body = target.body;
  if (body === undefined || body === '') return Buffer.alloc(0);
  return Buffer.from(body, target.isBase64Encoded ? 'base64' : 'utf8');
}
