import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { context, type Tracer } from '@opentelemetry/api';
import type { Context } from 'aws-lambda';
import { bodyStreamOf, bufferBody, bufferedBodyLength } from '../../layers/binary-body.js';
import { renderError } from '../../layers/error-mapping.js';
import { type ApiEvent, type ApiResult, localContext } from '../../layers/request-context.js';
import { requestFactsOf, socketActionOf } from '../../layers/socket-action.js';
import type { FaultEngine } from '../../shared/faults/engine.js';
import { type BufferBudget, createBufferBudget } from '../../shared/http/buffer-budget.js';
import { writeAtEndOfTurn } from '../../shared/http/end-of-turn-writes.js';
import type { RateLimiter } from '../../shared/http/rate-limit.js';
import type { RequestFacts } from '../../shared/injection/request-scope.js';
import { S3Error } from '../../shared/s3/errors.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import { injectTraceHeaders } from '../../shared/telemetry/propagation.js';
import { randomRequestId } from '../../shared/telemetry/random-ids.js';
import {
  endServerSpanWithResponse,
  markClientOutcome,
  nameServerRoute,
  type ServerSpan,
  startServerSpan,
} from '../../shared/telemetry/server-span.js';
import { isRecording } from '../../shared/telemetry/tracing.js';
import { answerClientErrors } from '../client-error.js';
import { writeThroughSocketFaults } from '../socket-faults.js';
import { toApiEvent, writeApiResult } from './http-event.js';
import { readRequestBody } from './request-body.js';
import { matchRoute, type Plane, type Route } from './route-table.js';

export type FunctionHandler = (event: ApiEvent, context: Context) => Promise<ApiResult>;

export interface EmbeddedGatewayOptions {
  routes: readonly Route[];
  /** The handler of each function named in the route table. */
  handlers: ReadonlyMap<string, FunctionHandler>;
  logger: Logger;
  /** Bodies larger than this get EntityTooLarge (no 10 MiB cap as in serverless-offline). */
  maxBodyBytes: number;
  /** A body that stops arriving for this long gets RequestTimeout, as S3 answers an idle upload. */
  bodyIdleTimeoutMs: number;
  /**
   * Cap on the bytes of buffered bodies in flight (requests and responses); a new buffered request
   * beyond it gets 503 SlowDown. Streamed bodies (STREAMED_BODY_MIN_BYTES and up) are not counted.
   * Absent: no cap.
   */
  maxBufferedBytes?: number;
  /** The engine behind the `gateway.socket` point (S3 listener only). */
  faults?: FaultEngine;
  /** `gateway.rateLimit` per client address (S3 listener only: the control plane is never limited). */
  rateLimit?: RateLimiter;
  /**
   * The `gateway` service's tracer: when it records, each request is a SERVER span, the parent of
   * the handler's span (as API Gateway's own span is on AWS), and socket faults are marked on it.
   */
  tracer?: Tracer;
}

/**
 * The local API Gateway of embedded mode: one HTTP listener per plane, each request turned into an
 * API Gateway v2 event for the function its route names, binary-safe.
 */
export function createEmbeddedGateway(options: EmbeddedGatewayOptions): Record<Plane, Server> {
  const budget = createBufferBudget(options.maxBufferedBytes ?? Number.POSITIVE_INFINITY);
  return {
    s3: createPlaneServer('s3', options, budget),
    control: createPlaneServer('control', options, budget),
  };
}

function createPlaneServer(plane: Plane, options: EmbeddedGatewayOptions, budget: BufferBudget): Server {
  // Spans nobody exports cost a context switch per request: none then.
  const tracer = options.tracer && isRecording(options.tracer) ? options.tracer : undefined;
  const server = createServer({ keepAlive: true }, (request, response) => {
    const traced = tracer ? startServerSpan(tracer, request) : undefined;
    if (traced) endServerSpanWithResponse(traced.span, response);
    const served = traced
      ? context.with(traced.context, () => serve(plane, options, budget, request, response, traced))
      : serve(plane, options, budget, request, response, undefined);
    served.catch((error: unknown) => failRequest(plane, options, request, response, error));
  });
  // Requests node's parser refuses (a `BREW` method, a malformed header) get an S3 error too.
  server.on('clientError', answerClientErrors(plane === 's3' ? 's3' : 'json'));
  // Uploads of hundreds of MiB on a loaded machine take a while; the body idle timer guards stalls.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 65_000;
  return server;
}

async function serve(
  plane: Plane,
  options: EmbeddedGatewayOptions,
  budget: BufferBudget,
  request: IncomingMessage,
  response: ServerResponse,
  traced: ServerSpan | undefined,
) {
  if (plane === 's3' && options.rateLimit && !options.rateLimit.admit(request.socket.remoteAddress ?? '')) {
    return refuseOverLimit(request, response);
  }
  const method = request.method ?? 'GET';
  const rawPath = (request.url ?? '/').split('?', 1)[0]!;
  const route = matchRoute(options.routes, plane, method, rawPath);
  if (!route) {
    request.resume();
    const error =
      plane === 's3'
        ? new S3Error('MethodNotAllowed', { message: `No S3 route for ${method} ${rawPath}` })
        : new S3Error('NoSuchKey', { message: `No control-plane route for ${method} ${rawPath}` });
    return sendError(request, response, plane, error);
  }
  if (traced) nameServerRoute(traced.span, method, route.path);
  const held = heldBytesOf(budget, response);
  const body = await readRequestBody(request, {
    maxBodyBytes: options.maxBodyBytes,
    bodyIdleTimeoutMs: options.bodyIdleTimeoutMs,
    // Only PUT bodies stream (PutObject, UploadPart). A POST's (POST Object's form,
    // CompleteMultipartUpload's XML) is read whole by its handler: buffered here, it is counted
    // in the cap instead of escaping it as a stream read whole later.
    streamable: plane === 's3' && method === 'PUT',
    tryHold: held.tryHold,
  });
  if (body instanceof S3Error) return sendError(request, response, plane, body);
  if (body === undefined) return; // the client went away: nothing is handed to a function
  const requestId = randomRequestId();
  const event = toApiEvent(request, body, `${route.method} ${route.path}`, requestId);
  const streamedRequest = !Buffer.isBuffer(body);
  if (traced) {
    // The handler's span is this span's child, as a Lambda's is the API Gateway's: the hop's
    // `traceparent` replaces the client's (and a `tracestate` it may have sent without one).
    delete event.headers.tracestate;
    injectTraceHeaders(event.headers as Record<string, string>, traced.context);
  }
  const handler = options.handlers.get(route.functionName);
  if (!handler) throw new Error(`no handler loaded for function ${route.functionName}`);
  const result = await handler(event, localContext(route.functionName, requestId));
  if (response.destroyed) return;
  // An answer given before the whole body was read (an error, a refused write): the rest is not
  // read, so the connection cannot carry another request.
  if (streamedRequest && !request.complete) result.headers = { ...result.headers, connection: 'close' };
  if (socketActionOf(result)?.type === 'close') {
    if (traced)
      markClientOutcome(traced.span, 'timeout', 'held, then closed without a response (http.server timeout)');
    response.socket?.destroy();
    return;
  }
  // Asked only when a rule targets the point: evaluating nothing would write the same response.
  if (plane === 's3' && options.faults?.armedAt('gateway.socket', 'gateway')) {
    // The socket faults cut and pace a body they hold whole: a streamed one is read first (while a
    // rule targets the point only), counted like any buffered body.
    if (bodyStreamOf(result)) held.hold((await bufferBody(result)).length);
    await writeThroughSocketFaults(
      options.faults,
      requestFactsOf<RequestFacts>(result),
      request,
      response,
      result,
      writeApiResult,
      traced?.span,
    );
    return;
  }
  if (bodyStreamOf(result)) {
    return writeApiResult(request, response, result, (error) =>
      endStreamedResponse(options, response, error, traced),
    );
  }
  held.hold(bufferedBodyLength(result));
  writeAtEndOfTurn(
    () => {
      if (!response.destroyed) writeApiResult(request, response, result);
    },
    (error) => failRequest(plane, options, request, response, error),
  );
}

/**
 * A streamed body that fails after its headers went out (a replica lost mid-read, a block whose
 * checksum does not match): the connection is ended, so the client sees a body shorter than its
 * Content-Length, never wrong bytes presented as whole.
 */
function endStreamedResponse(
  options: EmbeddedGatewayOptions,
  response: ServerResponse,
  error: Error,
  traced: ServerSpan | undefined,
): void {
  options.logger.error('streamed response failed after its headers; connection closed', { error });
  if (traced) markClientOutcome(traced.span, 'truncated', `streamed body failed: ${error.message}`);
  response.destroy();
}

/**
 * The request's share of the in-flight budget: what it holds is released when its response is
 * done (sent, or the connection gone). The listener is added only once something is held.
 */
function heldBytesOf(budget: BufferBudget, response: ServerResponse) {
  let held = 0;
  const count = (bytes: number) => {
    if (bytes === 0) return;
    if (held === 0) response.once('close', () => budget.release(held));
    held += bytes;
  };
  return {
    tryHold(bytes: number): boolean {
      if (!budget.tryHold(bytes)) return false;
      count(bytes);
      return true;
    },
    hold(bytes: number): void {
      budget.hold(bytes);
      count(bytes);
    },
  };
}

function failRequest(
  plane: Plane,
  options: EmbeddedGatewayOptions,
  request: IncomingMessage,
  response: ServerResponse,
  error: unknown,
): void {
  options.logger.error('gateway failed to serve a request', { error });
  if (!response.headersSent) sendError(request, response, plane, new S3Error('InternalError'));
  else response.destroy();
}

/**
 * SlowDown, as S3 answers a client above its request rate. The connection stays open (an unread
 * body is discarded by node once the answer is out): a throttled client that backs off reuses it.
 */
function refuseOverLimit(request: IncomingMessage, response: ServerResponse): void {
  const requestId = randomRequestId();
  const event = { requestContext: { http: { method: request.method ?? 'GET' } } } as ApiEvent;
  const result = renderError(new S3Error('SlowDown'), event, requestId, 's3');
  result.headers = { ...result.headers, 'x-amz-request-id': requestId };
  writeApiResult(request, response, result);
}

function sendError(request: IncomingMessage, response: ServerResponse, plane: Plane, error: S3Error): void {
  if (response.destroyed) return;
  const requestId = randomRequestId();
  const event = { requestContext: { http: { method: request.method ?? 'GET' } } } as ApiEvent;
  const result = renderError(error, event, requestId, plane === 's3' ? 's3' : 'json');
  result.headers = { ...result.headers, 'x-amz-request-id': requestId, connection: 'close' };
  writeApiResult(request, response, result);
}
