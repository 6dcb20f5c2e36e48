import type { MiddlewareObj, Request } from '@middy/core';
import { type Span, SpanStatusCode } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE, ATTR_HTTP_RESPONSE_STATUS_CODE } from '@opentelemetry/semantic-conventions';
import { ATTR_AWS_REQUEST_ID, ATTR_RPC_METHOD } from '@opentelemetry/semantic-conventions/incubating';
import type { Logger } from '../shared/telemetry/logger.js';
import type { Metrics } from '../shared/telemetry/metrics.js';
import type { ServiceName } from '../shared/telemetry/service-names.js';
import { answeredError } from './error-mapping.js';
import type { ApiEvent, ApiResult, RequestContext } from './request-context.js';
import { injectedOrigin } from './request-span.js';

export interface TelemetryOptions {
  service: ServiceName;
  metrics: Metrics;
  logger: Logger;
  /** The data plane's RPC service (`S3`): the span's `rpc.method` is then the operation. */
  rpcService?: string;
}

/** Label sets remembered per middleware; past this, children are looked up by prom-client each time. */
const MAX_LABEL_SETS = 1000;

interface LabelledMetrics {
  requests: { inc(): void };
  duration: { observe(seconds: number): void };
}

type TelemetryRequest = Request<ApiEvent, ApiResult, Error, RequestContext, { 'telemetry:start'?: bigint }>;

/**
 * Records every request: `http_requests_total`, `http_request_duration_seconds`,
 * `http_inflight_requests` and `errors_total`, the request span's answer attributes and status, and
 * one debug log line. Finishing is idempotent: composeHandler calls `context.finishTelemetry` again
 * as a safety net for a middleware that responded early, when the after/onError chain does not run.
 */
export function telemetry(options: TelemetryOptions) {
  const { service, metrics, logger, rpcService } = options;
  const inflight = metrics.httpInflight.labels({ service });
  // prom-client hashes the label object on every inc/observe; the children of a label set are
  // looked up once instead (operation x method x status is a small set).
  const children = new Map<string, LabelledMetrics>();
  const childrenFor = (labels: Record<'service' | 'operation' | 'method' | 'status', string>) => {
    const id = `${labels.operation}\u0000${labels.method}\u0000${labels.status}`;
    let found = children.get(id);
    if (!found) {
      found = {
        requests: metrics.httpRequests.labels(labels),
        duration: metrics.httpRequestDuration.labels(labels),
      };
      if (children.size < MAX_LABEL_SETS) children.set(id, found);
    }
    return found;
  };
  const before = (request: TelemetryRequest) => {
    request.internal['telemetry:start'] = process.hrtime.bigint();
    inflight.inc();
    request.context.finishTelemetry = () => finish(request);
    request.context.span?.setAttribute(ATTR_AWS_REQUEST_ID, request.context.requestId);
  };
  const finish = (request: TelemetryRequest) => {
    const start = request.internal['telemetry:start'];
    if (start === undefined) return;
    request.internal['telemetry:start'] = undefined;
    inflight.dec();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const status = String(request.response?.statusCode ?? 500);
    const labels = {
      service,
      operation: request.context.operation,
      method: request.event.requestContext.http.method,
      status,
    };
    const labelled = childrenFor(labels);
    labelled.requests.inc();
    labelled.duration.observe(seconds);
    const failure = failureOf(request, Number(status));
    if (failure) metrics.errors.inc({ service, operation: labels.operation, code: failure.code });
    const span = request.context.span;
    if (span) markAnswer(span, request.context.operation, Number(status), failure);
    logger.debug('request', {
      request_id: request.context.requestId,
      ...labels,
      duration_ms: seconds * 1000,
    });
  };
  const markAnswer = (span: Span, operation: string, status: number, failure: Failure | undefined) => {
    if (rpcService !== undefined) span.setAttribute(ATTR_RPC_METHOD, operation);
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    if (!failure) return;
    span.setAttribute(ATTR_ERROR_TYPE, failure.code);
    // A server error is the server's failure; a client error is not (semantic conventions), unless a
    // fault injected it: a drill's 403 is still a failure its user wants to see red.
    if (status >= 500 || failure.injected)
      span.setStatus({ code: SpanStatusCode.ERROR, message: failure.description });
  };
  const middleware: MiddlewareObj<ApiEvent, ApiResult, Error, RequestContext> = {
    name: 'telemetry',
    before: before as MiddlewareObj<ApiEvent, ApiResult, Error, RequestContext>['before'],
    after: finish as MiddlewareObj<ApiEvent, ApiResult, Error, RequestContext>['after'],
    onError: finish as MiddlewareObj<ApiEvent, ApiResult, Error, RequestContext>['onError'],
  };
  return middleware;
}

/** An error answer as the span and `errors_total` name it. */
interface Failure {
  code: string;
  description: string;
  injected: boolean;
}

/** The error this request was answered with: the rendered error, or the bare status of a 4xx/5xx result. */
function failureOf(request: TelemetryRequest, status: number): Failure | undefined {
  const answered = answeredError(request.internal as Record<string, unknown>);
  if (answered === undefined) {
    if (status < 400) return undefined;
    const code = String(status);
    // No response at all: the chain failed before the error middleware could answer.
    return { code, description: request.response ? code : `${code}: no response`, injected: false };
  }
  const origin = injectedOrigin(answered.thrown);
  const description = `${answered.code}: ${answered.message}`;
  if (origin === undefined) return { code: answered.code, description, injected: false };
  const scenario = origin.scenario === undefined ? '' : ` (scenario ${origin.scenario})`;
  return {
    code: answered.code,
    description: `${description} [injected at ${origin.point} by rule ${origin.ruleId}${scenario}]`,
    injected: true,
  };
}
