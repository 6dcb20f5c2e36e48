import { STATUS_CODES } from 'node:http';
import type { MiddlewareObj } from '@middy/core';
import { MetadataUnavailableError } from '../shared/metadata/ports.js';
import { S3Error } from '../shared/s3/errors.js';
import type { Logger } from '../shared/telemetry/logger.js';
import { ErrorResponse } from './error-response.js';
import type { ApiEvent, ApiResult, RequestContext } from './request-context.js';

export type ErrorFormat = 's3' | 'json';

/** The error a request was answered with, as the error middleware rendered it (for its span and metrics). */
export interface AnsweredError {
  /** The S3 (or control-plane) error code; the status for a response given as is (`418`). */
  code: string;
  message: string;
  /** What was thrown: its cause chain tells an injected fault from a real failure. */
  thrown: unknown;
}

const ANSWERED_ERROR = 'error-mapping:answered';

/** The error the error middleware answered this request with, if it answered one. */
export function answeredError(internal: Record<string, unknown>): AnsweredError | undefined {
  return internal[ANSWERED_ERROR] as AnsweredError | undefined;
}

export interface ErrorMappingOptions {
  /** S3 XML for the data plane; JSON `{error: {code, message}}` for the control plane. */
  format: ErrorFormat;
  logger: Logger;
}

/**
 * Turns any thrown error into the response real S3 sends: status, XML body, `Content-Type:
 * application/xml`, no body on HEAD. Errors that are not S3Errors become InternalError without
 * leaking their message, and are logged. Leaves a response another middleware already set alone.
 */
export function errorMapping(
  options: ErrorMappingOptions,
): MiddlewareObj<ApiEvent, ApiResult, Error, RequestContext> {
  const { format, logger } = options;
  const onError: MiddlewareObj<ApiEvent, ApiResult, Error, RequestContext>['onError'] = (request) => {
    if (request.response) return;
    const internal = request.internal as Record<string, unknown>;
    if (request.error instanceof ErrorResponse) {
      request.response = request.error.result;
      const status = request.response.statusCode ?? 500;
      internal[ANSWERED_ERROR] = {
        code: String(status),
        message: STATUS_CODES[status] ?? request.error.message,
        thrown: request.error,
      } satisfies AnsweredError;
      return;
    }
    const error = toS3Error(request.error);
    internal[ANSWERED_ERROR] = {
      code: error.code,
      message: error.message,
      thrown: request.error,
    } satisfies AnsweredError;
    if (!error.expose) {
      logger.error('request failed', {
        request_id: request.context.requestId,
        operation: request.context.operation,
        error: request.error,
        cause: error.cause,
      });
    } else if (error.status >= 500) {
      // A 503 the service chose (no readable replica, metadata down) is expected in an outage, but
      // an operator needs its cause to tell which part failed.
      logger.warn('request answered with a server error', {
        request_id: request.context.requestId,
        operation: request.context.operation,
        code: error.code,
        cause: error.cause,
      });
    }
    request.response = renderError(error, request.event, request.context.requestId, format);
  };
  return { name: 'error-mapping', onError };
}

/** SQLSTATE `disk_full`: the metadata database could not grow its files. */
const DISK_FULL_SQLSTATE = '53100';

/**
 * A metadata backend that is down, timing out or refusing a serialization is a 503 the client
 * retries (S3 sends ServiceUnavailable/SlowDown when it cannot serve), never a 500 with a cause.
 * One whose disk is full answers what full storage nodes answer: 507 StorageFull.
 */
function toS3Error(error: unknown): S3Error {
  if (isMetadataDiskFull(error)) {
    return new S3Error('StorageFull', { cause: error });
  }
  if (error instanceof MetadataUnavailableError) {
    return new S3Error('ServiceUnavailable', { message: 'Please reduce your request rate.', cause: error });
  }
  return S3Error.from(error);
}

/**
 * PostgreSQL reports a full disk as SQLSTATE 53100, which its adapter wraps in
 * MetadataUnavailableError; PGlite raises the database's own error, carrying the SQLSTATE as `code`.
 */
function isMetadataDiskFull(error: unknown): boolean {
  if (error instanceof MetadataUnavailableError) return error.sqlstate === DISK_FULL_SQLSTATE;
  return (error as { code?: unknown } | null | undefined)?.code === DISK_FULL_SQLSTATE;
}

export function renderError(
  error: S3Error,
  event: ApiEvent,
  requestId: string,
  format: ErrorFormat,
): ApiResult {
  const isHead = event.requestContext.http.method === 'HEAD';
  if (format === 'json') {
    return {
      statusCode: error.status,
      headers: { 'content-type': 'application/json', ...error.headers },
      body: JSON.stringify({ error: { code: error.code, message: error.message, requestId } }),
    };
  }
  return {
    statusCode: error.status,
    headers: { 'content-type': 'application/xml', ...error.headers },
    // A HEAD response never has a body (S3 sends only the status and headers).
    body: isHead || error.status === 304 ? '' : error.toXml(requestId),
  };
}
