import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type Attributes,
  type Context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import { contextFromHeaders } from './propagation.js';

/** The SERVER span of one request a process received, and the context it is active in. */
export interface ServerSpan {
  span: Span;
  /** The caller's context with `span` set: run the request's work in it. */
  context: Context;
}

export interface ServerSpanOptions {
  /** The route template (`/blobs/{blobId}`); the span is then named `METHOD route`. */
  route?: string;
  attributes?: Attributes;
}

/**
 * Opens the SERVER span of a request on a node:http listener, as a child of the caller's span
 * when the request carries a W3C `traceparent` (a new trace otherwise), with the HTTP semantic
 * convention attributes (https://opentelemetry.io/docs/specs/semconv/http/http-spans/). The span
 * starts from the root context, never from whatever happened to be active on the listener.
 */
export function startServerSpan(
  tracer: Tracer,
  request: IncomingMessage,
  options: ServerSpanOptions = {},
): ServerSpan {
  const method = request.method ?? 'GET';
  const parent = contextFromHeaders(request.headers, ROOT_CONTEXT);
  const [host, port] = hostAndPort(request);
  const attributes: Attributes = {
    [ATTR_HTTP_REQUEST_METHOD]: method,
    [ATTR_URL_PATH]: (request.url ?? '/').split('?', 1)[0]!,
    [ATTR_SERVER_ADDRESS]: host,
    [ATTR_NETWORK_PROTOCOL_VERSION]: request.httpVersion,
    ...options.attributes,
  };
  if (port !== undefined) attributes[ATTR_SERVER_PORT] = port;
  if (request.socket.remoteAddress) attributes[ATTR_CLIENT_ADDRESS] = request.socket.remoteAddress;
  const userAgent = request.headers['user-agent'];
  if (userAgent) attributes[ATTR_USER_AGENT_ORIGINAL] = userAgent;
  if (options.route) attributes[ATTR_HTTP_ROUTE] = options.route;
  const name = options.route ? `${method} ${options.route}` : method;
  const span = tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
  return { span, context: trace.setSpan(parent, span) };
}

/**
 * Names the route once it is known (after the span was opened): `METHOD route` and `http.route`.
 */
export function nameServerRoute(span: Span, method: string, route: string): void {
  span.updateName(`${method} ${route}`);
  span.setAttribute(ATTR_HTTP_ROUTE, route);
}

/**
 * What the client actually got when a socket fault acted on its connection (`mock_s3.client_outcome`):
 * `reset` (TCP RST), `timeout` (held, then closed without a response), `truncated` (closed under a
 * full Content-Length), `stalled` / `slow_body` / `throttled` (the whole body, late).
 */
export type ClientOutcome = 'reset' | 'timeout' | 'truncated' | 'stalled' | 'slow_body' | 'throttled';

export const CLIENT_OUTCOME_ATTRIBUTE = 'mock_s3.client_outcome';

/** Outcomes after which the client has no complete response: the span is an ERROR. */
const BROKEN: ReadonlySet<ClientOutcome> = new Set(['reset', 'timeout', 'truncated']);

/** Spans whose end the socket decided: their status is not overwritten when the response closes. */
const outcomeMarked = new WeakSet<Span>();

/**
 * Marks `span` with what the client got of a response a socket fault acted on. A reset, a hold
 * closed without an answer or a cut body is an ERROR (with `error.type` = the outcome); a late
 * but complete body is not. `http.response.status_code` is left to `endServerSpanWithResponse`,
 * which records it only when a status line went out.
 */
export function markClientOutcome(span: Span, outcome: ClientOutcome, description: string): void {
  span.setAttribute(CLIENT_OUTCOME_ATTRIBUTE, outcome);
  if (!BROKEN.has(outcome)) return;
  outcomeMarked.add(span);
  span.setAttribute(ATTR_ERROR_TYPE, outcome);
  span.setStatus({ code: SpanStatusCode.ERROR, message: description });
}

/**
 * Ends `span` when `response` closes (sent, or its connection gone). The status code is recorded
 * only when a status line went out; a 5xx, or a connection closed before the response was
 * complete, is an ERROR (unless `markClientOutcome` already said why). `onEnd` runs first, with
 * the status sent (undefined when none was).
 */
export function endServerSpanWithResponse(
  span: Span,
  response: ServerResponse,
  onEnd?: (status: number | undefined) => void,
): void {
  response.once('close', () => {
    const status = response.headersSent ? response.statusCode : undefined;
    onEnd?.(status);
    if (status !== undefined) {
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
      if (status >= 500 && !outcomeMarked.has(span)) {
        span.setAttribute(ATTR_ERROR_TYPE, String(status));
        span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${status}` });
      }
    }
    if (!response.writableFinished && !outcomeMarked.has(span)) {
      span.setAttribute(ATTR_ERROR_TYPE, 'connection_closed');
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: 'connection closed before the response was complete',
      });
    }
    span.end();
  });
}

/** The host and port the client addressed (Host header), else the listener's own address. */
function hostAndPort(request: IncomingMessage): [string, number | undefined] {
  const host = request.headers.host;
  if (host) {
    const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host);
    if (match) return [match[1]!, match[2] === undefined ? undefined : Number(match[2])];
  }
  return [request.socket.localAddress ?? 'localhost', request.socket.localPort];
}
