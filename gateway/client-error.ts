import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { type ErrorFormat, renderError } from '../layers/error-mapping.js';
import type { ApiEvent } from '../layers/request-context.js';
import { S3Error } from '../shared/s3/errors.js';
import { randomBase64, randomRequestId } from '../shared/telemetry/random-ids.js';

/** What node:http hands to a `clientError` listener: the parser's code, and the bytes it refused. */
export interface HttpClientError extends Error {
  code?: string;
  rawPacket?: Buffer;
}

/** A method token as RFC 9110 allows it, for `<Method>`; anything else is left out of the answer. */
const METHOD_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}$/;

/**
 * The S3 error for a request node's HTTP parser refused before any route saw it: an unknown
 * method (`BREW`) is 405 MethodNotAllowed, as S3 answers a method it has no operation for; a
 * header section over node's limit is RequestHeaderSectionTooLarge; a request line or headers
 * that are not HTTP/1.1 are InvalidURI or InvalidRequest; headers that never finished arriving
 * are RequestTimeout. Undefined when the client is gone (nothing to answer).
 */
export function clientErrorToS3Error(error: HttpClientError): S3Error | undefined {
  switch (error.code) {
    case 'ECONNRESET':
    case 'EPIPE':
      return undefined;
    case 'HPE_INVALID_METHOD': {
      const method = error.rawPacket?.toString('latin1').split(' ', 1)[0] ?? '';
      return new S3Error('MethodNotAllowed', METHOD_TOKEN.test(method) ? { detail: { Method: method } } : {});
    }
    case 'HPE_HEADER_OVERFLOW':
      return new S3Error('RequestHeaderSectionTooLarge');
    case 'HPE_INVALID_URL':
      return new S3Error('InvalidURI');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new S3Error('RequestTimeout');
    default:
      return new S3Error('InvalidRequest', { message: 'The request is not valid HTTP/1.1.' });
  }
}

/**
 * A `clientError` listener for a plane's server: answers in the plane's error format (S3 XML or
 * the control plane's JSON) with `x-amz-request-id` (and a RequestId in the body), then closes the
 * connection, instead of node's bare `400 Bad Request` with no body.
 */
export function answerClientErrors(format: ErrorFormat) {
  return function answerClientError(error: HttpClientError, socket: Duplex): void {
    const s3Error = clientErrorToS3Error(error);
    // As node's own handler does: never write into a response already going out on this socket.
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (s3Error === undefined || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const requestId = randomRequestId();
    // A HEAD error has no body, as from a handler; the request line is in the refused bytes.
    const method = error.rawPacket?.subarray(0, 5).toString('latin1') === 'HEAD ' ? 'HEAD' : 'GET';
    const event = { requestContext: { http: { method } } } as ApiEvent;
    const result = renderError(s3Error, event, requestId, format);
    const body = Buffer.from(String(result.body ?? ''), 'utf8');
    const headers: Record<string, string> = {
      ...(result.headers as Record<string, string>),
      'x-amz-request-id': requestId,
      'x-amz-id-2': randomBase64(24),
      'content-length': String(body.length),
      connection: 'close',
    };
    const head = Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    socket.end(
      Buffer.concat([
        Buffer.from(
          `HTTP/1.1 ${s3Error.status} ${STATUS_CODES[s3Error.status] ?? ''}\r\n${head}\r\n`,
          'latin1',
        ),
        body,
      ]),
    );
  };
}
