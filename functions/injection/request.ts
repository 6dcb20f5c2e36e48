import { bodyBytes } from '../../layers/binary-body.js';
import type { ApiEvent, ApiResult } from '../../layers/request-context.js';
import type { Runtime } from '../../shared/runtime/runtime.js';
import { ControlError, renderControlError, toControlError, validationError } from './control-error.js';

/** What an operation of the control API gets: the parsed request and the process runtime. */
export interface ControlRequest {
  runtime: Runtime;
  /** Decoded path parameters (`{id}`, `{name}`). */
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  /** The JSON body; `undefined` when the request has none. */
  body: unknown;
}

/** What an operation answers: a status and a JSON body. */
export interface ControlResponse {
  status: number;
  body: unknown;
}

export type ControlOperation = (request: ControlRequest) => ControlResponse | Promise<ControlResponse>;

/**
 * Parses the JSON body of an event. An empty body is `undefined` (operations whose body is
 * optional accept it); anything that is not JSON is a 400.
 */
export function parseJsonBody(event: ApiEvent): unknown {
  const text = bodyBytes(event).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ControlError('MalformedJSON', `the body is not valid JSON: ${(error as Error).message}`, {
      field: 'body',
      cause: error,
    });
  }
}

/** Requires a JSON object body (or none, read as `{}` when `optional`). */
export function objectBody(body: unknown, optional = false): Record<string, unknown> {
  if (body === undefined && optional) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw validationError('body', 'must be a JSON object');
  }
  return body as Record<string, unknown>;
}

/** Refuses fields the operation does not know. */
export function refuseUnknownFields(fields: Record<string, unknown>, known: readonly string[]): void {
  for (const name of Object.keys(fields)) {
    if (!known.includes(name)) throw validationError(name, 'unknown field');
  }
}

/** A JSON response. */
export function jsonResult(response: ControlResponse): ApiResult {
  return {
    statusCode: response.status,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(response.body),
  };
}

/** The operation a request names, with its decoded path parameters; thrown refusals are 404/405. */
export interface MatchedOperation {
  operationId: string;
  operation: ControlOperation;
  params: Readonly<Record<string, string>>;
}

/**
 * Answers one control-plane request: finds its operation, runs it and renders the JSON answer; a
 * refusal (ControlError, invalid rule) becomes its JSON error, anything else is left to the error
 * middleware (a 500).
 */
export async function answerControlRequest(
  runtime: Runtime,
  event: ApiEvent,
  context: { operation?: string; requestId: string },
  match: (event: ApiEvent) => MatchedOperation,
): Promise<ApiResult> {
  try {
    const { operationId, operation, params } = match(event);
    context.operation = operationId;
    const response = await operation({
      runtime,
      params,
      query: new URLSearchParams(event.rawQueryString ?? ''),
      body: parseJsonBody(event),
    });
    return jsonResult(response);
  } catch (error) {
    const refusal = toControlError(error);
    if (refusal === undefined) throw error;
    return renderControlError(refusal, context.requestId);
  }
}
