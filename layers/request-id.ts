import type { MiddlewareObj } from '@middy/core';
import { randomBase64, randomRequestId } from '../shared/telemetry/random-ids.js';
import type { ApiEvent, ApiResult, RequestContext } from './request-context.js';

/**
 * Gives every request an S3-style request id (16 upper-case hex characters) and host id, and puts
 * them on the response as `x-amz-request-id` and `x-amz-id-2`, errors included.
 */
export function requestId(): MiddlewareObj<ApiEvent, ApiResult, Error, RequestContext> {
  const before: MiddlewareObj<ApiEvent, ApiResult, Error, RequestContext>['before'] = (request) => {
    request.context.requestId = randomRequestId();
    request.context.hostId = randomBase64(24);
  };
  const stampResponse: MiddlewareObj<ApiEvent, ApiResult, Error, RequestContext>['after'] = (request) => {
    if (!request.response) return;
    request.response.headers = {
      ...request.response.headers,
      'x-amz-request-id': request.context.requestId,
      'x-amz-id-2': request.context.hostId,
    };
  };
  return { name: 'request-id', before, after: stampResponse, onError: stampResponse };
}
