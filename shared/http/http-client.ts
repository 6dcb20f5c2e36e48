import { Readable } from 'node:stream';
import {
  context,
  defaultTextMapSetter,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
} from '@opentelemetry/api';
import { ATTR_ERROR_TYPE, ATTR_HTTP_RESPONSE_STATUS_CODE } from '@opentelemetry/semantic-conventions';
import { httpClientSpanAttributes } from '../telemetry/span-attributes.js';
import {
  type BreakerOptions,
  type BreakerState,
  type CircuitBreaker,
  createCircuitBreaker,
} from './circuit-breaker.js';
import { CircuitOpenError } from './errors.js';
import type { HttpClientMetrics } from './metrics.js';
import {
  createNodeTransport,
  type HttpResponse,
  type HttpStreamTransport,
  type HttpTransport,
  type StreamedResponse,
} from './node-transport.js';
import {
  type BackoffOptions,
  backoffDelay,
  cryptoRandom,
  isIdempotent,
  isRetryableStatus,
} from './retry-policy.js';
import { type TraceInjector, w3cTraceContext } from './trace-context.js';

export type { HttpResponse, StreamedResponse } from './node-transport.js';

/** What the `http.client` injection point sees before each attempt. */
export interface HttpFaultRequest {
  service: string;
  method: string;
  url: string;
  /** `host:port` of the callee. */
  target: string;
  /** The callee's name for rule matching (e.g. the storage-node id), when the caller gave one. */
  peer?: string;
  /** Body size in bytes (0 without a body). */
  size: number;
  /** The limit of this attempt: what an injected `timeout` holds for by default. */
  timeoutMs: number;
  /** 1 for the first attempt. */
  attempt: number;
}

/**
 * Runs before each attempt. May wait (a delay), throw (the attempt fails as a connection error
 * or a timeout would: retried, counted by the breaker), or return a response that stands in for
 * the callee's (an injected status: a 5xx is retried like a real one).
 */
export type HttpFaultHook = (
  request: HttpFaultRequest,
) => Promise<HttpResponse | undefined> | HttpResponse | undefined;

export interface HttpClientOptions {
  /** The calling service, the `service` label of the metrics. */
  service: string;
  /** Limit of one attempt, from connect to the last byte of the response. */
  timeoutMs: number;
  /** Limit of a silent socket within an attempt. Default: `timeoutMs`. */
  socketTimeoutMs?: number;
  /** Further attempts of an idempotent call after a connection error, a timeout or a 5xx. */
  retries: number;
  backoff: BackoffOptions;
  /** Per target host. */
  breaker: BreakerOptions;
  metrics?: HttpClientMetrics;
  faultHook?: HttpFaultHook;
  /** With a tracer, each call gets a client span, and `traceparent` names it. */
  tracer?: Tracer;
  /** Writes `traceparent`; default W3C Trace Context. */
  propagator?: TraceInjector;
  /** Uniform in [0, 1): the backoff jitter. Default crypto-based; tests pass a fixed one. */
  random?: () => number;
  /** Monotonic milliseconds for the breakers. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Default: node:http with keep-alive agents. */
  transport?: HttpTransport;
  /** The transport of `stream` calls. Default: node:http with the same keep-alive agents. */
  streamTransport?: HttpStreamTransport;
}

/** A call whose request body (if any) is a stream of a known size. */
export interface HttpStreamRequest extends Omit<HttpClientRequest, 'body' | 'idempotent'> {
  body?: { size: number; stream: Readable };
}

export interface HttpClientRequest {
  method: string;
  /** Absolute URL, e.g. `http://127.0.0.1:7001/blobs/abc`. */
  url: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** Overrides the method's idempotency (a POST known to be safe to repeat). */
  idempotent?: boolean;
  /** Overrides the client's attempt limit for this call. */
  timeoutMs?: number;
  /** The callee's name, passed to the fault hook (`match.node` of an `http.client` rule). */
  peer?: string;
}

/** Settings that may change at run time (`http.retries`, `http.timeoutMs` of the live config). */
export interface HttpClientSettings {
  retries: number;
  timeoutMs: number;
}

export interface HttpClient {
  /**
   * Sends the request and returns the response, whatever its status (a 5xx after the last retry
   * included). Throws HttpTimeoutError, HttpConnectionError, CircuitOpenError, or what the fault
   * hook threw.
   */
  request(request: HttpClientRequest): Promise<HttpResponse>;
  /**
   * Sends the request, its body read as the socket takes it, and resolves with the response as
   * soon as its headers arrive, its body to be read by the caller (a 5xx after the last retry
   * included, as `request`). A call with a body is made once (the body cannot be sent again); one
   * without is retried as `request` retries it, until a response is handed out. The fault hook,
   * the breaker and the span see each attempt as for `request`.
   */
  stream(request: HttpStreamRequest): Promise<StreamedResponse>;
  update(settings: Partial<HttpClientSettings>): void;
  /** The breaker state of a target (`host:port`); `closed` for one never called. */
  breakerState(target: string): BreakerState;
  /** Closes idle keep-alive sockets of the default transport. */
  close(): void;
}

/**
 * The client services use to call each other: per-attempt timeouts, retries of idempotent calls
 * with exponential backoff and full jitter, a circuit breaker per target, W3C trace propagation
 * and the `http.client` fault hook before every attempt.
 */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const { service, backoff } = options;
  const settings: HttpClientSettings = { retries: options.retries, timeoutMs: options.timeoutMs };
  const random = options.random ?? cryptoRandom;
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const propagator = options.propagator ?? w3cTraceContext;
  const ownTransport = options.transport && options.streamTransport ? undefined : createNodeTransport();
  const transport = options.transport ?? ownTransport!.send;
  const streamTransport = options.streamTransport ?? ownTransport!.stream;
  const breakers = new Map<string, CircuitBreaker>();

  function breakerOf(target: string): CircuitBreaker {
    let breaker = breakers.get(target);
    if (!breaker) {
      breaker = createCircuitBreaker({
        ...options.breaker,
        now,
        onOpen: () => options.metrics?.circuitOpen.inc({ service, target }),
      });
      breakers.set(target, breaker);
    }
    return breaker;
  }

  async function attempts(request: HttpClientRequest, span: Span | undefined): Promise<HttpResponse> {
    const url = new URL(request.url);
    const target = url.host;
    const method = request.method.toUpperCase();
    const retryable = request.idempotent ?? isIdempotent(method);
    const maxRetries = retryable ? settings.retries : 0;
    const timeoutMs = request.timeoutMs ?? settings.timeoutMs;
    const socketTimeoutMs = Math.min(options.socketTimeoutMs ?? timeoutMs, timeoutMs);
    const body = typeof request.body === 'string' ? Buffer.from(request.body) : request.body;
    const headers: Record<string, string> = { ...request.headers };
    propagator.inject(context.active(), headers, defaultTextMapSetter);
    const breaker = breakerOf(target);
    let lastFailure: unknown;

    for (let attempt = 1; ; attempt += 1) {
      if (!breaker.tryAcquire()) throw new CircuitOpenError(target, { cause: lastFailure });
      span?.setAttribute('http.request.resend_count', attempt - 1);
      try {
        const injected = await options.faultHook?.({
          service,
          method,
          url: request.url,
          target,
          ...(request.peer === undefined ? {} : { peer: request.peer }),
          size: body?.length ?? 0,
          timeoutMs,
          attempt,
        });
        const response =
          injected ?? (await transport({ method, url, headers, body, timeoutMs, socketTimeoutMs }));
        if (!isRetryableStatus(response.status)) {
          breaker.onSuccess();
          return response;
        }
        breaker.onFailure();
        if (attempt > maxRetries) return response;
        lastFailure = new Error(`HTTP ${response.status} from ${target}`);
      } catch (error) {
        breaker.onFailure();
        if (attempt > maxRetries) throw error;
        lastFailure = error;
      }
      options.metrics?.retryAttempts.inc({ service, target });
      await sleep(backoffDelay(attempt, backoff, random));
    }
  }

  async function streamAttempts(
    request: HttpStreamRequest,
    span: Span | undefined,
  ): Promise<StreamedResponse> {
    const url = new URL(request.url);
    const target = url.host;
    const method = request.method.toUpperCase();
    const maxRetries = request.body === undefined && isIdempotent(method) ? settings.retries : 0;
    const timeoutMs = request.timeoutMs ?? settings.timeoutMs;
    const socketTimeoutMs = Math.min(options.socketTimeoutMs ?? timeoutMs, timeoutMs);
    const headers: Record<string, string> = { ...request.headers };
    propagator.inject(context.active(), headers, defaultTextMapSetter);
    const breaker = breakerOf(target);
    let lastFailure: unknown;

    for (let attempt = 1; ; attempt += 1) {
      if (!breaker.tryAcquire()) throw new CircuitOpenError(target, { cause: lastFailure });
      span?.setAttribute('http.request.resend_count', attempt - 1);
      try {
        const injected = await options.faultHook?.({
          service,
          method,
          url: request.url,
          target,
          ...(request.peer === undefined ? {} : { peer: request.peer }),
          size: request.body?.size ?? 0,
          timeoutMs,
          attempt,
        });
        const response = injected
          ? {
              status: injected.status,
              headers: injected.headers,
              body: Readable.from([injected.body], { objectMode: false }),
            }
          : await streamTransport({
              method,
              url,
              headers,
              ...(request.body === undefined ? {} : { body: request.body }),
              timeoutMs,
              socketTimeoutMs,
            });
        if (!isRetryableStatus(response.status)) {
          breaker.onSuccess();
          return response;
        }
        breaker.onFailure();
        if (attempt > maxRetries) return response;
        response.body.resume();
        lastFailure = new Error(`HTTP ${response.status} from ${target}`);
      } catch (error) {
        breaker.onFailure();
        if (attempt > maxRetries) throw error;
        lastFailure = error;
      }
      options.metrics?.retryAttempts.inc({ service, target });
      await sleep(backoffDelay(attempt, backoff, random));
    }
  }

  /** `call` inside a client span when there is a tracer (the span ends with the response's headers). */
  async function traced<R extends { status: number }>(
    request: { method: string; url: string },
    call: (span: Span | undefined) => Promise<R>,
  ): Promise<R> {
    const tracer = options.tracer;
    if (!tracer) return call(undefined);
    const url = new URL(request.url);
    const method = request.method.toUpperCase();
    return tracer.startActiveSpan(
      `${method} ${url.host}`,
      { kind: SpanKind.CLIENT, attributes: httpClientSpanAttributes(method, url) },
      async (span) => {
        try {
          const response = await call(span);
          span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, response.status);
          // A client span is an error from 4xx on (semantic conventions); the status is its type.
          if (response.status >= 400) span.setAttribute(ATTR_ERROR_TYPE, String(response.status));
          if (response.status >= 500) {
            span.setStatus({
              code: SpanStatusCode.ERROR,
              message: `HTTP ${response.status} from ${url.host}`,
            });
          }
          return response;
        } catch (error) {
          const name = error instanceof Error ? error.name : 'Error';
          span.recordException(error as Error);
          span.setAttribute(ATTR_ERROR_TYPE, name);
          span.setStatus({
            code: SpanStatusCode.ERROR,
            message: `${name}: ${(error as Error)?.message ?? String(error)}`,
          });
          throw error;
        } finally {
          span.end();
        }
      },
    );
  }

  const request = (call: HttpClientRequest) => traced(call, (span) => attempts(call, span));
  const stream = (call: HttpStreamRequest) => traced(call, (span) => streamAttempts(call, span));

  return {
    request,
    stream,
    update(next) {
      if (next.retries !== undefined) settings.retries = next.retries;
      if (next.timeoutMs !== undefined) settings.timeoutMs = next.timeoutMs;
    },
    breakerState: (target) => breakers.get(target)?.state() ?? 'closed',
    close: () => ownTransport?.close(),
  };
}
