import { composeHandler, type LambdaHandler } from '../../layers/compose-handler.js';
import { lambdaEntry } from '../../layers/lambda-entry.js';
import type { ApiEvent } from '../../layers/request-context.js';
import type { Runtime } from '../../shared/runtime/runtime.js';
import { ControlError, renderControlError, toControlError } from '../injection/control-error.js';
import { jsonResult, parseJsonBody } from '../injection/request.js';
import { deleteOrigin, getOrigin, listOrigins, putOrigin } from './origins.js';

/** Where the origins API is mounted on the control plane. */
export const ORIGINS_BASE = '/api/v1/origins';

/**
 * The origins API: each bucket's origin (read-through on a local miss), `GET /api/v1/origins`,
 * `GET/PUT/DELETE /api/v1/origins/{bucket}`, kept in the config store so every instance applies a
 * change through its watch. Never subject to faults, like the config service: an origin must stay
 * configurable during a drill. Credentials are stored, never answered or logged.
 */
export function createHandler(runtime: Runtime): LambdaHandler {
  return composeHandler(
    async (event, context) => {
      try {
        const method = event.requestContext.http.method;
        const bucket = bucketOf(event.rawPath);
        if (bucket === undefined) {
          context.operation = 'listOrigins';
          if (method !== 'GET') throw notAllowed(method, event.rawPath);
          return jsonResult(await listOrigins(runtime));
        }
        switch (method) {
          case 'GET':
            context.operation = 'getOrigin';
            return jsonResult(getOrigin(runtime, bucket));
          case 'PUT':
            context.operation = 'putOrigin';
            return jsonResult(await putOrigin(runtime, bucket, originBody(event)));
          case 'DELETE':
            context.operation = 'deleteOrigin';
            return jsonResult(await deleteOrigin(runtime, bucket));
          default:
            throw notAllowed(method, event.rawPath);
        }
      } catch (error) {
        const refusal = toControlError(error);
        if (refusal === undefined) throw error;
        return renderControlError(refusal, context.requestId);
      }
    },
    { runtime, service: 'storage', name: 'OriginsApi', errorFormat: 'json' },
  );
}

/**
 * The JSON body of a PUT. The parser's message quotes the text around the mistake, which may be a
 * secret: the refusal says where, never what.
 */
function originBody(event: ApiEvent): unknown {
  try {
    return parseJsonBody(event);
  } catch (error) {
    if (!(error instanceof ControlError)) throw error;
    throw new ControlError('MalformedJSON', 'the body is not valid JSON', { field: 'body' });
  }
}

/** The bucket in `/api/v1/origins/{bucket}`; undefined for the collection itself. */
function bucketOf(rawPath: string): string | undefined {
  const path = rawPath.replace(/\/$/, '');
  if (path === ORIGINS_BASE) return undefined;
  const rest = path.startsWith(`${ORIGINS_BASE}/`) ? path.slice(ORIGINS_BASE.length + 1) : '';
  if (rest === '' || rest.includes('/'))
    throw new ControlError('NotFound', `no origins operation at ${rawPath.slice(0, 200)}`);
  try {
    return decodeURIComponent(rest);
  } catch {
    return rest;
  }
}

function notAllowed(method: string, rawPath: string): ControlError {
  return new ControlError('MethodNotAllowed', `${method} is not allowed on ${rawPath.slice(0, 200)}`);
}

export const handler = lambdaEntry(createHandler);
