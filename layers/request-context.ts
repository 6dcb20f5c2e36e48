import type { Span } from '@opentelemetry/api';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';

export type ApiEvent = APIGatewayProxyEventV2;
export type ApiResult = APIGatewayProxyStructuredResultV2;

/** The Lambda context as our handlers see it: the middlewares add the request's identity to it. */
export interface RequestContext extends Context {
  /** The S3 request id (`x-amz-request-id`), set by the request-id middleware. */
  requestId: string;
  /** `x-amz-id-2`. */
  hostId: string;
  /** The operation name (e.g. `PutObject`), set by the handler's router for logs and metrics. */
  operation: string;
  /** The request's span, set by composeHandler. */
  span: Span | undefined;
  /** What the function's describer parsed from the request (see request-facts.ts). */
  state?: unknown;
  /** Records the request's metrics once (set by the telemetry middleware). */
  finishTelemetry?: () => void;
}

export type ApiHandler = (event: ApiEvent, context: RequestContext) => Promise<ApiResult>;

/** A Lambda context for hosts that are not Lambda (the embedded gateway, unit tests). */
export function localContext(functionName: string, requestId: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 900_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
