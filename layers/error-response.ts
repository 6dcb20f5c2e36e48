import type { ApiResult } from './request-context.js';

/** An error that carries the exact response to send (an injected `http_status` or `timeout`). */
export class ErrorResponse extends Error {
  override readonly name = 'ErrorResponse';
  constructor(
    readonly result: ApiResult,
    options?: ErrorOptions,
  ) {
    super(`respond with ${result.statusCode}`, options);
  }
}
