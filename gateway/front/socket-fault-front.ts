import {
  Agent,
  type ClientRequest,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import { context, type Tracer } from '@opentelemetry/api';
import { resolveOperation } from '../../functions/s3-api/router.js';
import { parseS3Request } from '../../functions/s3-api/s3-request.js';
import { attachRawBody } from '../../layers/binary-body.js';
import { renderError } from '../../layers/error-mapping.js';
import type { ApiEvent, ApiResult } from '../../layers/request-context.js';
import type { FaultEngine } from '../../shared/faults/engine.js';
import { writeAtEndOfTurn } from '../../shared/http/end-of-turn-writes.js';
import type { RateLimiter } from '../../shared/http/rate-limit.js';
import type { RequestFacts } from '../../shared/injection/request-scope.js';
import { S3Error } from '../../shared/s3/errors.js';
import { createRequestCounter } from '../../shared/telemetry/count-request.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import type { Metrics } from '../../shared/telemetry/metrics.js';
import { injectTraceHeaders } from '../../shared/telemetry/propagation.js';
import { randomRequestId } from '../../shared/telemetry/random-ids.js';
import {
  endServerSpanWithResponse,
  type ServerSpan,
  startServerSpan,
} from '../../shared/telemetry/server-span.js';
import { isRecording } from '../../shared/telemetry/tracing.js';
import { answerClientErrors } from '../client-error.js';
import { toApiEvent, writeApiResult } from '../embedded/http-event.js';
import { writeThroughSocketFaults } from '../socket-faults.js';

export interface SocketFaultFrontOptions {
  /** nginx's S3 listener. */
  upstream: URL;
  /** The engine behind `gateway.socket`, kept in step with the control plane by main.ts. */
  engine: FaultEngine;
  logger: Logger;
  /** Declared bodies larger than this are refused here, before a byte is forwarded. */
  maxBodyBytes: number;
  /** For naming the bucket of virtual-host requests in the facts rules match on. */
  s3Domain: string;
  /**
   * `gateway.rateLimit` per client address. The front owns every client socket of the stack, so
   * one limiter here is the limit across all instances (the control plane does not pass here).
   */
  rateLimit?: RateLimiter;
  /**
   * A pooled upstream connection idle this long is closed by the front. Default 60 s: below nginx's
   * keepalive_timeout (75 s), so the front, not nginx, ends an idle connection, and a request is
   * never sent on one nginx is closing that instant (a PUT cannot be resent: the client would get
   * a 503).
   */
  upstreamIdleTimeoutMs?: number;
  /**
   * The `gateway-front` tracer: when it records, each request is a SERVER span (a child of the
   * client's `traceparent`), the upstream request carries that span as its parent, and socket
   * faults are marked on it.
   */
  tracer?: Tracer;
  /** The front's registry: its requests counted (`service="gateway-front"`). */
  metrics?: Metrics;
}

const DEFAULT_UPSTREAM_IDLE_TIMEOUT_MS = 60_000;

/** The socket-fault front of stack mode: the client's TCP socket, forwarded to nginx. */
export interface SocketFaultFront {
  readonly server: Server;
  /** The engine whose `gateway.socket` rules this front applies; the propagation hook. */
  readonly engine: FaultEngine;
  /** Closes the listener and the pooled upstream connections. */
  close(): Promise<void>;
}

/** Connection-level headers of one hop, never forwarded (RFC 9110 section 7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'upgrade',
  'transfer-encoding',
]);

/**
 * Creates the front: a small node:http proxy that owns the client socket on PORT and forwards
 * every request to nginx over a keep-alive pool, streaming both ways, `Expect: 100-continue`
 * passed through (the client sees nginx's 100 or its refusal). Only a response that a live
 * `gateway.socket` rule could hit is buffered, so that `writeThroughSocketFaults` can reset, cut,
 * stall or throttle it exactly as the embedded gateway does; everything else streams untouched.
 */
export function createSocketFaultFront(options: SocketFaultFrontOptions): SocketFaultFront {
  const { upstream, engine, logger } = options;
  // Node's agent destroys a pooled socket that stays idle for `timeout`; a socket in use is left be.
  const agent = new Agent({
    keepAlive: true,
    maxSockets: 256,
    maxFreeSockets: 64,
    timeout: options.upstreamIdleTimeoutMs ?? DEFAULT_UPSTREAM_IDLE_TIMEOUT_MS,
  });
  const server = createServer({ keepAlive: true });
  // Requests node's parser refuses never reach nginx: answered here as S3 errors.
  server.on('clientError', answerClientErrors('s3'));
  // Uploads of hundreds of MiB take a while; nginx and the handlers own the body timeouts.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 65_000;

  // Asked on every response, so kept up to date on each change of the engine rather than read
  // (status() prunes and sorts every rule). Expiry emits no change, but only ever turns a `true`
  // stale, and a stale `true` merely buffers a response that then meets no rule.
  let socketFaultsPossible = socketFaultRulesLive(engine);
  const stopWatching = engine.onChange(() => {
    socketFaultsPossible = socketFaultRulesLive(engine);
  });

  const countRequest = options.metrics ? createRequestCounter(options.metrics, 'gateway-front') : undefined;
  // Spans nobody exports are not worth a context switch per request.
  const tracer = options.tracer && isRecording(options.tracer) ? options.tracer : undefined;
  const handle = (request: IncomingMessage, response: ServerResponse, expectsContinue: boolean) => {
    // The front does not parse S3 requests on its hot path: every request is one `forward`.
    countRequest?.(response, 'forward', request.method ?? 'GET');
    const traced = tracer ? startServerSpan(tracer, request) : undefined;
    if (traced) endServerSpanWithResponse(traced.span, response);
    const forwarding = traced
      ? context.with(traced.context, () => forward(request, response, expectsContinue, traced))
      : forward(request, response, expectsContinue, undefined);
    forwarding.catch((error: unknown) => {
      logger.error('front failed to serve a request', { error });
      if (!response.headersSent) sendError(request, response, new S3Error('InternalError'));
      else response.destroy();
    });
  };
  server.on('request', (request, response) => handle(request, response, false));
  // Without this listener node answers 100 Continue itself; the decision belongs upstream.
  server.on('checkContinue', (request, response) => handle(request, response, true));

  async function forward(
    request: IncomingMessage,
    response: ServerResponse,
    expectsContinue: boolean,
    traced: ServerSpan | undefined,
  ) {
    if (options.rateLimit && !options.rateLimit.admit(request.socket.remoteAddress ?? '')) {
      return sendError(request, response, new S3Error('SlowDown'));
    }
    const declared = Number(request.headers['content-length'] ?? Number.NaN);
    if (declared > options.maxBodyBytes) {
      const error = new S3Error('EntityTooLarge', {
        detail: { MaxSizeAllowed: String(options.maxBodyBytes), ProposedSize: String(declared) },
      });
      return sendError(request, response, error);
    }
    const headers = forwardedHeaders(request);
    if (traced) {
      // The next hop's parent is this span, not the client's: the client's tracestate goes with it.
      delete headers.traceparent;
      delete headers.tracestate;
      injectTraceHeaders(headers as Record<string, string>, traced.context);
    }
    let path = request.url ?? '/';
    if (hasDotSegment(path) || hasNulInPath(path)) {
      // nginx refuses a target that climbs above the root (`/b/../../etc/passwd`, a legal S3
      // key) or whose path decodes to a NUL with an HTML 400; it gets such a target in a header
      // and puts it back verbatim, so the handler answers it as S3 would.
      headers[RAW_TARGET_HEADER] = path;
      path = RAW_TARGET_PATH;
    }
    const bodiless = isBodiless(request, expectsContinue);
    const open = (pooled: boolean) =>
      httpRequest({
        host: upstream.hostname,
        port: upstream.port || 80,
        method: request.method,
        path,
        headers,
        agent: pooled ? agent : false,
      });
    let upstreamRequest = open(true);
    response.once('close', () => {
      if (!response.writableFinished) upstreamRequest.destroy();
    });
    if (bodiless) {
      request.resume();
      upstreamRequest.end();
    } else sendBody(request, response, upstreamRequest, expectsContinue);
    let outcome = await responseOf(upstreamRequest);
    if (outcome.error && bodiless && upstreamRequest.reusedSocket && !response.destroyed) {
      // nginx closed an idle keep-alive connection (a reload, its keepalive_timeout) just as this
      // request went out on it. Nothing reached a handler: sent again on a new connection.
      upstreamRequest = open(false);
      upstreamRequest.end();
      outcome = await responseOf(upstreamRequest);
    }
    if (outcome.error) {
      request.unpipe(upstreamRequest);
      if (response.headersSent || response.destroyed) {
        response.destroy();
        return;
      }
      logger.warn('upstream unreachable', { error: outcome.error, upstream: upstream.href });
      return sendError(request, response, new S3Error('ServiceUnavailable'));
    }
    const upstreamResponse = outcome.response;
    if (!upstreamResponse || response.destroyed) return;
    // An answer before the body (a refusal of 100-continue): the client will not send it, so
    // neither connection can carry another request; both close once the answer is through.
    if (!upstreamRequest.writableEnded) {
      response.shouldKeepAlive = false;
      upstreamResponse.once('end', () => upstreamRequest.destroy());
    }

    if (socketFaultsPossible) {
      const result = await bufferResult(upstreamResponse);
      if (!result || response.destroyed) return;
      await writeThroughSocketFaults(
        engine,
        factsOf(request, result, options.s3Domain),
        request,
        response,
        result,
        writeResult,
        traced?.span,
      );
      return;
    }
    upstreamResponse.once('aborted', () => response.destroy());
    upstreamResponse.once('error', () => response.destroy());
    // With this turn's other answers (shared/http/end-of-turn-writes.ts explains why); a small
    // answer's body, already here, goes out with its headers.
    writeAtEndOfTurn(
      () => {
        if (response.destroyed) return;
        response.writeHead(upstreamResponse.statusCode ?? 502, responseHeaders(upstreamResponse.headers));
        upstreamResponse.pipe(response);
      },
      () => response.destroy(),
    );
  }

  return {
    server,
    engine,
    close: () =>
      new Promise((resolve) => {
        stopWatching();
        server.close(() => resolve());
        server.closeIdleConnections();
        agent.destroy();
        setTimeout(() => server.closeAllConnections(), 5000).unref();
      }),
  };
}

/** No body to stream (GET, HEAD, DELETE, ...): such a request can be sent again. */
function isBodiless(request: IncomingMessage, expectsContinue: boolean): boolean {
  if (expectsContinue || request.headers['transfer-encoding'] !== undefined) return false;
  const length = request.headers['content-length'];
  return length === undefined || Number(length) === 0;
}

/** The upstream's response, or how the request failed (`{}`: closed without an answer or error). */
function responseOf(upstreamRequest: ClientRequest): Promise<{ response?: IncomingMessage; error?: Error }> {
  return new Promise((resolve) => {
    upstreamRequest.once('response', (response: IncomingMessage) => resolve({ response }));
    upstreamRequest.once('error', (error) => resolve({ error }));
    upstreamRequest.once('close', () => resolve({}));
  });
}

/** Streams the request body upstream, after nginx's `100 Continue` when the client asked for one. */
function sendBody(
  request: IncomingMessage,
  response: ServerResponse,
  upstreamRequest: ClientRequest,
  expectsContinue: boolean,
): void {
  if (!expectsContinue) {
    request.pipe(upstreamRequest);
    return;
  }
  upstreamRequest.once('continue', () => {
    response.writeContinue();
    request.pipe(upstreamRequest);
  });
  // The headers go now: an unsent request would never get its 100.
  upstreamRequest.flushHeaders();
}

/** Where the front sends a target nginx would refuse, and the header carrying the real one. */
export const RAW_TARGET_PATH = '/.mock-s3-raw-target';
export const RAW_TARGET_HEADER = 'x-mock-s3-raw-target';

/** A `.` or `..` path segment, also percent-encoded (nginx decodes `%2E` before it resolves them). */
export function hasDotSegment(url: string): boolean {
  const path = url.split('?', 1)[0]!;
  return path.split('/').some((segment) => /^(\.|%2e){1,2}$/i.test(segment));
}

/** A `%00` in the path (not the query, which nginx passes undecoded). */
export function hasNulInPath(url: string): boolean {
  return /%00/.test(url.split('?', 1)[0]!);
}

/** The request headers as sent, Host included, minus hop-by-hop ones (rawHeaders keep repeats). */
function forwardedHeaders(request: IncomingMessage): OutgoingHttpHeaders {
  const headers: Record<string, string | string[]> = {};
  const raw = request.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if ((HOP_BY_HOP.has(lower) && lower !== 'transfer-encoding') || lower === RAW_TARGET_HEADER) continue;
    const value = raw[i + 1]!;
    const current = headers[lower];
    if (current === undefined) headers[lower] = value;
    else headers[lower] = Array.isArray(current) ? [...current, value] : [current, value];
  }
  return headers;
}

function responseHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || name === 'content-length') continue;
    out[name] = value;
  }
  // Last: node 20's writeHead refuses a header value with ISO-8859-1 characters (a
  // `response-content-disposition` of `filename="café.pdf"`, as S3 sends it) once it has stored a
  // Content-Length, and the client got an empty reply.
  if (headers['content-length'] !== undefined) out['content-length'] = headers['content-length'];
  return out;
}

/** Is the engine on with a rule at `gateway.socket`? */
function socketFaultRulesLive(engine: FaultEngine): boolean {
  if (!engine.status().enabled) return false;
  return engine.listRules({ point: 'gateway.socket', enabled: true }).length > 0;
}

function bufferResult(upstreamResponse: IncomingMessage): Promise<ApiResult | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    upstreamResponse.on('data', (chunk: Buffer) => chunks.push(chunk));
    upstreamResponse.once('end', () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(responseHeaders(upstreamResponse.headers))) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
      }
      const result: ApiResult = { statusCode: upstreamResponse.statusCode ?? 502, headers };
      resolve(attachRawBody(result, Buffer.concat(chunks)));
    });
    upstreamResponse.once('aborted', () => resolve(undefined));
    upstreamResponse.once('error', () => resolve(undefined));
  });
}

/**
 * What rules at `gateway.socket` match on. The handler's own facts stay in the serverless-offline
 * process, so the front names the operation again from the request line (the same parser).
 */
function factsOf(request: IncomingMessage, result: ApiResult, s3Domain: string): RequestFacts {
  const requestId = String(result.headers?.['x-amz-request-id'] ?? '') || undefined;
  const event = toApiEvent(request, Buffer.alloc(0), 'ANY /{proxy+}', requestId ?? randomRequestId());
  const facts: RequestFacts = {
    headers: event.headers as Record<string, string>,
    ...(requestId ? { requestId } : {}),
  };
  try {
    const s3 = parseS3Request(event, s3Domain);
    if (s3.bucket !== undefined) facts.bucket = s3.bucket;
    if (s3.key !== undefined) facts.key = s3.key;
    facts.operation = resolveOperation(s3).name;
  } catch {
    // A request S3 would refuse has no operation; rules matching on one do not fire.
  }
  return facts;
}

function writeResult(request: IncomingMessage, response: ServerResponse, result: ApiResult): void {
  writeApiResult(request, response, result);
}

function sendError(request: IncomingMessage, response: ServerResponse, error: S3Error): void {
  if (response.destroyed || response.headersSent) return;
  request.resume();
  const requestId = randomRequestId();
  const event = { requestContext: { http: { method: request.method ?? 'GET' } } } as ApiEvent;
  const result = renderError(error, event, requestId, 's3');
  result.headers = { ...result.headers, 'x-amz-request-id': requestId, connection: 'close' };
  writeApiResult(request, response, result);
}
