import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { StreamedBody } from '../../layers/binary-body.js';
import { STREAMED_BODY_MIN_BYTES } from '../../shared/http/streamed-body.js';
import { S3Error } from '../../shared/s3/errors.js';

/** The body of a request that has none; handlers only read it. */
const EMPTY_BODY = Buffer.alloc(0);

/** Chunks a streamed body holds ahead of its reader (node's socket reads are up to 64 KiB). */
const STREAM_HIGH_WATER_MARK = 256 * 1024;

export interface RequestBodyOptions {
  maxBodyBytes: number;
  bodyIdleTimeoutMs: number;
  /** Whether a large body may be handed over as a stream (the S3 plane); else it is buffered. */
  streamable: boolean;
  /** Counts `bytes` of a buffered body against the in-flight cap; false when over it (SlowDown). */
  tryHold(bytes: number): boolean;
}

/** The client went away before its body was all sent: nothing of it may be committed. */
export class ClientDisconnectedError extends Error {
  override readonly name = 'ClientDisconnectedError';
  constructor() {
    super('the client disconnected before sending the whole body');
  }
}

/**
 * The body of a request as the handler gets it: the whole body, a stream of it (declared length of
 * at least STREAMED_BODY_MIN_BYTES on a streamable plane; for an aws-chunked body sent with
 * Transfer-Encoding: chunked, `size` is its decoded length, the only one the client declares), an S3Error to answer with, or undefined
 * when the client disconnected before sending all of a buffered body (a half upload must never
 * reach a handler; a streamed one errors with ClientDisconnectedError instead).
 */
export function readRequestBody(
  request: IncomingMessage,
  options: RequestBodyOptions,
): Promise<Buffer | StreamedBody | S3Error | undefined> | Buffer | StreamedBody | S3Error {
  const length = request.headers['content-length'];
  // Neither Content-Length nor Transfer-Encoding: the request has no body (RFC 9112 §6.3), so a
  // GET needs no body timer, listeners or promise. resume() lets 'end' pass so the socket is reused.
  if ((length === undefined || length === '0') && request.headers['transfer-encoding'] === undefined) {
    request.resume();
    return EMPTY_BODY;
  }
  // An SDK sending a stream of known length frames it as aws-chunked with Transfer-Encoding:
  // chunked and no Content-Length: the payload's length is then the decoded one.
  const decoded = request.headers['x-amz-decoded-content-length'];
  const declared = Number(length ?? (typeof decoded === 'string' ? decoded : Number.NaN));
  if (declared > options.maxBodyBytes) {
    request.resume();
    return new S3Error('EntityTooLarge', {
      detail: { MaxSizeAllowed: String(options.maxBodyBytes), ProposedSize: String(declared) },
    });
  }
  if (options.streamable && declared >= STREAMED_BODY_MIN_BYTES) {
    return { size: declared, stream: streamClientBody(request, options.bodyIdleTimeoutMs) };
  }
  // A Content-Length is held at once, so a slow upload counts from its first byte; a chunked body
  // as its chunks arrive.
  const held = length !== undefined && Number.isFinite(declared);
  if (held && !options.tryHold(declared)) return slowDown(request);
  return bufferClientBody(request, options, held);
}

function slowDown(request: IncomingMessage): S3Error {
  request.resume();
  return new S3Error('SlowDown');
}

function bufferClientBody(
  request: IncomingMessage,
  options: RequestBodyOptions,
  lengthHeld: boolean,
): Promise<Buffer | S3Error | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const finish = (outcome: Buffer | S3Error | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(idle);
      resolve(outcome);
    };
    // Stop reading but keep the socket: the error response goes out with `Connection: close`.
    const onIdle = () => {
      request.pause();
      finish(new S3Error('RequestTimeout'));
    };
    let idle = setTimeout(onIdle, options.bodyIdleTimeoutMs);
    request.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > options.maxBodyBytes) {
        request.pause();
        finish(new S3Error('EntityTooLarge'));
        return;
      }
      if (!lengthHeld && !options.tryHold(chunk.length)) {
        request.pause();
        finish(new S3Error('SlowDown'));
        return;
      }
      chunks.push(chunk);
      idle.refresh();
    });
    request.on('end', () => finish(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received)));
    request.on('aborted', () => finish(undefined));
    request.on('error', () => finish(undefined));
    request.on('close', () => {
      if (!request.complete) finish(undefined);
    });
    idle = idle.unref();
  });
}

/**
 * The request body as a stream its reader paces: the socket is read only while the reader wants
 * more (backpressure), and the idle timer runs only then, so a slow replica never looks like an
 * idle client. A client that stops sending for `idleMs` errors the stream with RequestTimeout; one
 * that disconnects, with ClientDisconnectedError.
 */
function streamClientBody(request: IncomingMessage, idleMs: number): Readable {
  let idle: NodeJS.Timeout | undefined;
  const waitForClient = () => {
    if (idle) idle.refresh();
    else idle = setTimeout(onIdle, idleMs).unref();
  };
  const stopWaiting = () => {
    clearTimeout(idle);
    idle = undefined;
  };
  const body = new Readable({
    highWaterMark: STREAM_HIGH_WATER_MARK,
    read() {
      waitForClient();
      request.resume();
    },
    destroy(error, callback) {
      stopWaiting();
      request.off('data', onData);
      request.pause();
      callback(error);
    },
  });
  const onIdle = () => {
    idle = undefined;
    request.pause();
    body.destroy(new S3Error('RequestTimeout'));
  };
  const onData = (chunk: Buffer) => {
    if (body.push(chunk)) waitForClient();
    else {
      stopWaiting();
      request.pause();
    }
  };
  const onGone = () => {
    if (!request.complete) body.destroy(new ClientDisconnectedError());
  };
  request.pause();
  request.on('data', onData);
  request.once('end', () => {
    stopWaiting();
    body.push(null);
  });
  request.once('aborted', onGone);
  request.once('error', onGone);
  request.once('close', onGone);
  return body;
}
