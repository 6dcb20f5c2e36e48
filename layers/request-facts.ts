import type { MiddlewareObj } from '@middy/core';
import { ATTR_AWS_S3_BUCKET, ATTR_AWS_S3_KEY } from '@opentelemetry/semantic-conventions/incubating';
import { currentRequestFacts } from '../shared/injection/request-scope.js';
import type { ApiEvent, ApiResult, RequestContext } from './request-context.js';

/** What a function knows about a request before its handler runs. */
export interface DescribedRequest {
  /** The operation name (`PutObject`), for metrics, logs, spans and fault matching. */
  operation: string;
  bucket?: string;
  key?: string;
  /** Whatever the describer parsed, handed to the handler as `context.state` (no second parse). */
  state?: unknown;
}

export type DescribeRequest = (event: ApiEvent) => DescribedRequest;

/**
 * Names the request before the fault middleware asks about it: the request id, the operation,
 * the bucket and key go into the request's facts, which every injection point it reaches sees, and
 * on the request span (`aws.s3.bucket`, `aws.s3.key`).
 * A describer that throws (a malformed URI) is answered by the error middleware like any error.
 */
export function requestFacts(
  describe?: DescribeRequest,
): MiddlewareObj<ApiEvent, ApiResult, Error, RequestContext> {
  return {
    name: 'request-facts',
    before: (request) => {
      const facts = currentRequestFacts();
      if (facts) facts.requestId = request.context.requestId;
      if (!describe) return;
      const described = describe(request.event);
      request.context.operation = described.operation;
      request.context.state = described.state;
      const span = request.context.span;
      if (span && described.bucket !== undefined) span.setAttribute(ATTR_AWS_S3_BUCKET, described.bucket);
      if (span && described.key !== undefined) span.setAttribute(ATTR_AWS_S3_KEY, described.key);
      if (facts) {
        facts.operation = described.operation;
        if (described.bucket !== undefined) facts.bucket = described.bucket;
        if (described.key !== undefined) facts.key = described.key;
      }
    },
  };
}
