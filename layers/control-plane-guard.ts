import type { MiddlewareObj } from '@middy/core';
import { type ControlPlaneHosts, checkControlRequest } from '../shared/http/control-plane-guard.js';
import { bodyBytes } from './binary-body.js';
import { ErrorResponse } from './error-response.js';
import type { ApiEvent, ApiResult, RequestContext } from './request-context.js';

export interface ControlPlaneGuardOptions {
  /** The names this control plane answers to (`controlPlaneHosts`). */
  hosts: ControlPlaneHosts;
}

/**
 * Refuses cross-site and DNS-rebinding calls to a mutating control-plane route before the handler
 * runs, with the control plane's JSON error (`shared/http/control-plane-guard.ts` says what passes).
 * Worn by every control-plane function in both hosts, through `composeHandler`.
 */
export function controlPlaneGuard(
  options: ControlPlaneGuardOptions,
): MiddlewareObj<ApiEvent, ApiResult, Error, RequestContext> {
  const refuseCrossSite: MiddlewareObj<ApiEvent, ApiResult, Error, RequestContext>['before'] = (request) => {
    const { event, context } = request;
    const refusal = checkControlRequest(
      {
        method: event.requestContext.http.method,
        headers: event.headers,
        bodyLength: bodyBytes(event).length,
      },
      options.hosts,
    );
    if (refusal === undefined) return;
    context.operation = 'refusedCrossSite';
    throw new ErrorResponse({
      statusCode: refusal.status,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        error: { code: refusal.code, message: refusal.message, requestId: context.requestId },
      }),
    });
  };
  return { name: 'control-plane-guard', before: refuseCrossSite };
}
