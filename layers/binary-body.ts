import type { Readable } from 'node:stream';
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
  if (bodyStreamOf(target)) throw new Error('a streamed body is read with bufferBody() or bodyStreamOf()');
  const body = target.body;
  if (body === undefined || body === '') return Buffer.alloc(0);
  return Buffer.from(body, target.isBase64Encoded ? 'base64' : 'utf8');
}

/** Bytes a buffered body holds, without building its base64 form (0 for a streamed one). */
export function bufferedBodyLength(target: ApiEvent | ApiResult): number {
  const raw = (target as WithRawBody)[RAW_BODY];
  if (raw) return raw.length;
  return bodyStreamOf(target) ? 0 : (target.body?.length ?? 0);
}

/**
 * A body that arrives (or leaves) as its bytes flow: exactly `size` bytes from `stream`. Only a host
 * in this process can hand one over (the embedded gateway); the Lambda shape stays as it is.
 */
export interface StreamedBody {
  readonly size: number;
  readonly stream: Readable;
}

const BODY_STREAM = Symbol.for('mock-s3.body-stream');

type WithBodyStream = { [BODY_STREAM]?: StreamedBody };

/** Gives an event or result a streamed body; `body` stays empty until someone buffers it. */
export function attachBodyStream<T extends ApiEvent | ApiResult>(target: T, body: StreamedBody): T {
  (target as WithBodyStream)[BODY_STREAM] = body;
  target.body = '';
  target.isBase64Encoded = true;
  return target;
}

/** The streamed body of an event or result, or undefined when it is buffered (or has none). */
export function bodyStreamOf(target: ApiEvent | ApiResult): StreamedBody | undefined {
  return (target as WithBodyStream)[BODY_STREAM];
}

/**
 * Reads a streamed body whole and attaches it as bytes, for readers that need all of it (an
 * operation that parses XML, a host that cannot stream). A buffered body is returned as it is.
 */
export async function bufferBody(target: ApiEvent | ApiResult): Promise<Buffer> {
  const streamed = bodyStreamOf(target);
  if (!streamed) return bodyBytes(target);
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of streamed.stream) {
    chunks.push(chunk as Buffer);
    length += (chunk as Buffer).length;
  }
  const bytes = Buffer.concat(chunks, length);
  delete (target as WithBodyStream)[BODY_STREAM];
  attachRawBody(target, bytes);
  return bytes;
}
