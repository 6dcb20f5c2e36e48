import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import {
  attachBodyStream,
  attachRawBody,
  bodyBytes,
  bodyStreamOf,
  type StreamedBody,
} from '../../layers/binary-body.js';
import type { ApiEvent, ApiResult } from '../../layers/request-context.js';

/**
 * Builds the API Gateway v2 (HTTP API) event for a request, as API Gateway would: lower-case
 * headers (repeats joined by commas), raw path and query untouched, the body as bytes or, when
 * large, as a stream (binary-body.ts).
 */
export function toApiEvent(
  request: IncomingMessage,
  body: Buffer | StreamedBody,
  routeKey: string,
  requestId: string,
): ApiEvent {
  const url = request.url ?? '/';
  const queryStart = url.indexOf('?');
  const rawPath = queryStart < 0 ? url : url.slice(0, queryStart);
  const rawQueryString = queryStart < 0 ? '' : url.slice(queryStart + 1);
  const headers: Record<string, string> = {};
  const raw = request.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    headers[name] = headers[name] === undefined ? raw[i + 1]! : `${headers[name]},${raw[i + 1]}`;
  }
  const method = request.method ?? 'GET';
  const now = Date.now();
  const event: ApiEvent = {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString,
    headers,
    requestContext: {
      accountId: '000000000000',
      apiId: 'embedded',
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0]!,
      http: {
        method,
        path: rawPath,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey,
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    isBase64Encoded: true,
  };
  if (!Buffer.isBuffer(body)) return attachBodyStream(event, body);
  return body.length > 0 ? attachRawBody(event, body) : event;
}

/**
 * Writes a handler's result to the client. HEAD keeps the handler's Content-Length and sends no body.
 * A streamed body is piped with backpressure under the handler's Content-Length; when it fails
 * midway, `onStreamError` decides what the client sees (the connection is destroyed by default).
 */
export function writeApiResult(
  request: IncomingMessage,
  response: ServerResponse,
  result: ApiResult,
  onStreamError: (error: Error) => void = () => response.destroy(),
): void {
  const headers: Record<string, string | string[]> = {};
  let declaredLength: string | undefined;
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    if (name === 'content-length') declaredLength = String(value);
    else headers[name] = String(value);
  }
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  const streamed = bodyStreamOf(result);
  if (streamed) {
    writeStreamedBody(request, response, result, headers, streamed, onStreamError);
    return;
  }
  const body = request.method === 'HEAD' ? Buffer.alloc(0) : bodyBytes(result);
  // Last: node 20's writeHead refuses a header value with ISO-8859-1 characters (a
  // `response-content-disposition` of `filename="café.pdf"`) once it has stored a Content-Length.
  headers['content-length'] =
    request.method === 'HEAD' && declaredLength !== undefined ? declaredLength : String(body.length);
  response.writeHead(result.statusCode ?? 200, headers);
  response.end(body);
}

function writeStreamedBody(
  request: IncomingMessage,
  response: ServerResponse,
  result: ApiResult,
  headers: Record<string, string | string[]>,
  streamed: StreamedBody,
  onStreamError: (error: Error) => void,
): void {
  headers['content-length'] = String(streamed.size);
  response.writeHead(result.statusCode ?? 200, headers);
  if (request.method === 'HEAD') {
    streamed.stream.destroy();
    response.end();
    return;
  }
  // On any failure the pipeline destroys both ends; a client that went away (premature close) is
  // no failure of ours, a source that failed is reported.
  pipeline(streamed.stream, response, (error) => {
    if (error && error.code !== 'ERR_STREAM_PREMATURE_CLOSE') onStreamError(error);
  });
}
