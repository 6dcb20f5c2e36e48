import { composeHandler, type LambdaHandler } from '../../layers/compose-handler.js';
import { lambdaEntry } from '../../layers/lambda-entry.js';
import type { Runtime } from '../../shared/runtime/runtime.js';
import { ControlError, renderControlError, toControlError } from '../injection/control-error.js';
import { jsonResult, parseJsonBody } from '../injection/request.js';
import { deleteSetting, getSetting, listSettings, putSetting } from './settings.js';

/** Where the config service is mounted on the control plane. */
export const CONFIG_BASE = '/api/v1/config';

/**
 * The config service: the dynamic settings (`GET /api/v1/config`, `GET/PUT/DELETE
 * /api/v1/config/{key}`), stored in etcd in stack mode and in memory in embedded mode; every
 * instance applies a change through its watch. Never subject to faults: `faults.enabled` must stay
 * reachable.
 */
export function createHandler(runtime: Runtime): LambdaHandler {
  return composeHandler(
    async (event, context) => {
      try {
        const method = event.requestContext.http.method;
        const key = keyOf(event.rawPath);
        if (key === undefined) {
          context.operation = 'listConfig';
          if (method !== 'GET') throw notAllowed(method, event.rawPath);
          return jsonResult(await listSettings(runtime));
        }
        switch (method) {
          case 'GET':
            context.operation = 'getConfig';
            return jsonResult(await getSetting(runtime, key));
          case 'PUT':
            context.operation = 'putConfig';
            return jsonResult(await putSetting(runtime, key, parseJsonBody(event)));
          case 'DELETE':
            context.operation = 'deleteConfig';
            return jsonResult(await deleteSetting(runtime, key));
          default:
            throw notAllowed(method, event.rawPath);
        }
      } catch (error) {
        const refusal = toControlError(error);
        if (refusal === undefined) throw error;
        return renderControlError(refusal, context.requestId);
      }
    },
    { runtime, service: 'config', name: 'ConfigApi', errorFormat: 'json' },
  );
}

/** The key in `/api/v1/config/{key}`; undefined for the collection itself. */
function keyOf(rawPath: string): string | undefined {
  const path = rawPath.replace(/\/$/, '');
  if (path === CONFIG_BASE) return undefined;
  const rest = path.startsWith(`${CONFIG_BASE}/`) ? path.slice(CONFIG_BASE.length + 1) : '';
  if (rest === '' || rest.includes('/'))
    throw new ControlError('NotFound', `no config operation at ${rawPath}`);
  try {
    return decodeURIComponent(rest);
  } catch {
    return rest;
  }
}

function notAllowed(method: string, rawPath: string): ControlError {
  return new ControlError('MethodNotAllowed', `${method} is not allowed on ${rawPath}`);
}

export const handler = lambdaEntry(createHandler);
