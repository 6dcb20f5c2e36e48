import type { ApiResult } from './request-context.js';

/**
 * What the host should do with the client socket instead of (or while) writing a result. Only an
 * in-process host (the embedded gateway, the socket-fault front) can honour it; API Gateway cannot.
 */
export type SocketAction = { type: 'close' };

const SOCKET_ACTION = Symbol.for('mock-s3.socket-action');

type WithSocketAction = { [SOCKET_ACTION]?: SocketAction };

export function withSocketAction(result: ApiResult, action: SocketAction): ApiResult {
  (result as WithSocketAction)[SOCKET_ACTION] = action;
  return result;
}

export function socketActionOf(result: ApiResult): SocketAction | undefined {
  return (result as WithSocketAction)[SOCKET_ACTION];
}

const REQUEST_FACTS = Symbol.for('mock-s3.request-facts');

type WithFacts<T> = { [REQUEST_FACTS]?: T };

/** Hands the request's facts (operation, bucket, key, request id) to the host with the result. */
export function withRequestFacts<T>(result: ApiResult, facts: T): ApiResult {
  (result as WithFacts<T>)[REQUEST_FACTS] = facts;
  return result;
}

export function requestFactsOf<T>(result: ApiResult): T | undefined {
  return (result as WithFacts<T>)[REQUEST_FACTS];
}
