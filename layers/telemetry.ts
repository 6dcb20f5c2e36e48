import type { MiddlewareObj, Request } from '@middy/core';
import { SpanStatusCode } from '@opentelemetry/api';
import type { Logger } from '../shared/telemetry/logger.js';
import type { Metrics } from '../shared/telemetry/metrics.js';
import type { ApiEvent, ApiResult, RequestContext } from './request-context.js';

export interface TelemetryOptions {
  service: string;
  metrics: Metrics;
  logger: Logger;
}

/** Label sets remembered per middleware; past this, children are looked up by prom-client each time. */
const MAX_LABEL_SETS = 1000;

interface LabelledMetrics {
  requests: { inc(): void };
  duration: { observe(seconds: number): void };
}

type TelemetryRequest = Request<ApiEvent, ApiResult, Error, RequestContext, { 'telemetry:start'?: bigint }>;

/**
 * Records every request: `http_requests_total` and `http_request_duration_seconds`, the request span's
 * attributes and status, and one debug log line. Finishing is idempotent: composeHandler calls
 * `context.finishTelemetry` again as a safety net for a middleware that responded early, when the
 * after/onError chain does not run.
 */
export function telemetry(options: TelemetryOptions) {
  const { service, metrics, logger } = options;
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
    request.context.finishTelemetry = () => finish(request);
    request.context.span?.setAttribute('aws.request_id', request.context.requestId);
  };
  const finish = (request: TelemetryRequest) => {
    const start = request.internal['telemetry:start'];
    if (start === undefined) return;
    request.internal['telemetry:start'] = undefined;
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
    const span = request.context.span;
    if (span) {
      span.setAttribute('rpc.method', request.context.operation);
      span.setAttribute('http.response.status_code', Number(status));
      if (Number(status) >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    }
    logger.debug('request', {
      request_id: request.context.requestId,
      ...labels,
      duration_ms: seconds * 1000,
    });
  };
  const middleware: MiddlewareObj<ApiEvent, ApiResult, Error, RequestContext> = {
    name: 'telemetry',
    before: before as MiddlewareObj<ApiEvent, ApiResult, Error, RequestContext>['before'],
    after: finish as MiddlewareObj<ApiEvent, ApiResult, Error, RequestContext>['after'],
    onError: finish as MiddlewareObj<ApiEvent, ApiResult, Error, RequestContext>['onError'],
  };
  return middleware;
}
