import middy from '@middy/core';
import { SpanKind } from '@opentelemetry/api';
import type { Context } from 'aws-lambda';
import type { FaultService } from '../shared/faults/rule.js';
import { controlPlaneHosts } from '../shared/http/control-plane-guard.js';
import { type RequestFacts, runWithRequestFacts } from '../shared/injection/request-scope.js';
import type { Runtime } from '../shared/runtime/runtime.js';
import { contextFromHeaders } from '../shared/telemetry/propagation.js';
import type { ServiceName } from '../shared/telemetry/service-names.js';
import { isRecording } from '../shared/telemetry/tracing.js';
import { controlPlaneGuard } from './control-plane-guard.js';
import { type ErrorFormat, errorMapping } from './error-mapping.js';
import { faults } from './faults.js';
import type { ApiEvent, ApiHandler, ApiResult, RequestContext } from './request-context.js';
import { type DescribeRequest, requestFacts } from './request-facts.js';
import { requestId } from './request-id.js';
import { requestSpanAttributes, requestSpanName } from './request-span.js';
import { withRequestFacts } from './socket-action.js';
import { telemetry } from './telemetry.js';

export interface ComposeOptions {
  runtime: Runtime;
  /** The service the handler belongs to (`s3-api`, `admin`, ...): its tracer, and a label on metrics. */
  service: ServiceName;
  /** Name of the function, for spans and the default operation label. */
  name: string;
  errorFormat: ErrorFormat;
  /** Names operation, bucket and key before the handler runs (for faults, metrics, logs). */
  describe?: DescribeRequest;
  /**
   * Wear the `http.server` fault point: the handler serves the data plane. The control plane never
   * does, so a user cannot lock themselves out (FAULTS.md); a handler without it is a control-plane
   * function and wears the cross-site guard instead (mutating calls: JSON only, no foreign
   * `Origin`, a `Host` of this control plane).
   */
  faultService?: FaultService;
}

export type LambdaHandler = (event: ApiEvent, context: Context) => Promise<ApiResult>;

/**
 * The one place that decides the middleware order of every function:
 * request id -> telemetry -> faults (data plane) or cross-site guard (control plane) -> error
 * mapping -> handler (after/onError run in reverse).
 * The request span is opened here, around the whole chain, so port calls made by the handler are
 * its children; its end and the metrics are guaranteed even when a middleware answers early. It is
 * a child of the caller's span when the request carries a W3C `traceparent`, so a trace goes on
 * across the gateway, serverless-offline and the front. Without an exporter no span is opened at
 * all (nobody would read it).
 */
export function composeHandler(handler: ApiHandler, options: ComposeOptions): LambdaHandler {
  const { runtime, service, name, errorFormat, faultService } = options;
  // The data plane speaks the S3 API: its spans say so as the AWS SDKs' client spans do.
  const rpcService = faultService === undefined ? undefined : 'S3';
  const chain = middy<ApiEvent, ApiResult, Error, RequestContext>({ timeoutEarlyInMillis: 0 })
    .use(requestId())
    .use(
      telemetry({
        service,
        metrics: runtime.metrics,
        logger: runtime.logger,
        ...(rpcService === undefined ? {} : { rpcService }),
      }),
    )
    .use(requestFacts(options.describe));
  if (faultService) {
    chain.use(
      faults({
        engine: runtime.faults,
        service: faultService,
        headerEnabled: runtime.config.faults.headerEnabled,
        responseHeader: runtime.config.faults.responseHeader,
      }),
    );
  } else {
    const { host, adminAllowedHosts } = runtime.config;
    chain.use(controlPlaneGuard({ hosts: controlPlaneHosts(host, adminAllowedHosts) }));
  }
  chain.use(errorMapping({ format: errorFormat, logger: runtime.logger })).handler(handler);

  const tracer = runtime.tracerFor(service);
  const recording = isRecording(tracer);

  return async (event, context) => {
    const facts: RequestFacts = { headers: event.headers };
    const result = await runWithRequestFacts(facts, () => serve(event, context));
    // The host owns the socket faults of `gateway.socket`, which match on these facts too.
    return withRequestFacts(result, facts);
  };

  async function run(event: ApiEvent, requestContext: RequestContext): Promise<ApiResult> {
    try {
      return await chain(event, requestContext);
    } finally {
      requestContext.finishTelemetry?.();
    }
  }

  function serve(event: ApiEvent, context: Context): Promise<ApiResult> {
    const requestContext = context as RequestContext;
    requestContext.operation = name;
    if (!recording) {
      requestContext.span = undefined;
      return run(event, requestContext);
    }
    const spanOptions = { kind: SpanKind.SERVER, attributes: requestSpanAttributes(event, rpcService) };
    const caller = contextFromHeaders(event.headers);
    return tracer.startActiveSpan(requestSpanName(event), spanOptions, caller, async (span) => {
      requestContext.span = span;
      try {
        return await run(event, requestContext);
      } finally {
        span.end();
      }
    });
  }
}
