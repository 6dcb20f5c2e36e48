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
