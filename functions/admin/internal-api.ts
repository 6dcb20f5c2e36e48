import { composeHandler, type LambdaHandler } from '../../layers/compose-handler.js';
import type { ApiEvent } from '../../layers/request-context.js';
import type { Runtime } from '../../shared/runtime/runtime.js';
import type { ServiceName } from '../../shared/telemetry/service-names.js';
import { ControlError } from '../injection/control-error.js';
import { answerControlRequest, type ControlOperation } from '../injection/request.js';

/** One operation of an internal service API (storage, metadata, async, admin). */
export interface InternalRoute {
  method: 'GET' | 'POST';
  /**
   * OpenAPI path template, e.g. `/api/v1/metadata/buckets/{bucket}/objects/{key+}`: `{name}` is one
   * segment, `{name+}` the rest of the path (API Gateway's greedy parameter, always last).
   */
  path: string;
  /** The OpenAPI `operationId`; the contract test holds the two together. */
  operationId: string;
  operation: ControlOperation;
}

export interface InternalApiOptions {
  runtime: Runtime;
  /** The service label of metrics, spans and logs. */
  service: ServiceName;
  name: string;
  routes: readonly InternalRoute[];
}

/**
 * A Lambda handler serving a table of internal operations with the control plane's JSON errors
 * (`{error: {code, message, field?, requestId}}`): 404 for an unknown path or a missing record,
 * 405 for a known path under another method, 400 for bad input. It wears no fault point of its own
 * (`http.server`), like every control-plane handler; the ports it reads still do.
 */
export function createInternalApiHandler(options: InternalApiOptions): LambdaHandler {
  const { runtime, routes } = options;
  const compiled = routes.map((route) => ({ route, segments: route.path.split('/').slice(1) }));
  return composeHandler(
    (event, context) =>
      answerControlRequest(runtime, event, context, (request) => {
        const { route, params } = matchRoute(compiled, request);
        return { operationId: route.operationId, operation: route.operation, params };
      }),
    { runtime, service: options.service, name: options.name, errorFormat: 'json' },
  );
}

interface CompiledRoute {
  route: InternalRoute;
  segments: readonly string[];
}

function matchRoute(
  compiled: readonly CompiledRoute[],
  event: ApiEvent,
): { route: InternalRoute; params: Record<string, string> } {
  const method = event.requestContext.http.method;
  const parts = event.rawPath.replace(/\/$/, '').split('/').slice(1);
  let pathExists = false;
  for (const { route, segments } of compiled) {
    const params = matchSegments(segments, parts);
    if (params === undefined) continue;
    pathExists = true;
    if (route.method === method) return { route, params };
  }
  if (pathExists) throw new ControlError('MethodNotAllowed', `${method} is not allowed on ${event.rawPath}`);
  throw new ControlError('NotFound', `no operation at ${event.rawPath}`);
}

function matchSegments(
  template: readonly string[],
  parts: readonly string[],
): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const expected = template[i]!;
    if (expected.endsWith('+}')) {
      const rest = parts.slice(i);
      if (rest.length === 0 || rest.every((part) => part === '')) return undefined;
      params[expected.slice(1, -2)] = decodeParam(expected.slice(1, -2), rest.join('/'));
      return params;
    }
    const actual = parts[i];
    if (actual === undefined) return undefined;
    if (expected.startsWith('{')) {
      if (actual === '') return undefined;
      params[expected.slice(1, -1)] = decodeParam(expected.slice(1, -1), actual);
    } else if (expected !== actual) {
      return undefined;
    }
  }
  return template.length === parts.length ? params : undefined;
}

/** Percent-decodes a path parameter; a broken escape (`%zz`) is a 400, not a guess. */
function decodeParam(name: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch (error) {
    throw new ControlError('ValidationError', `${name}: not a valid percent-encoded path segment`, {
      field: name,
      cause: error,
    });
  }
}

/**
 * A non-negative integer query parameter within `[min, max]`, or `fallback` when absent.
 * @throws ControlError ValidationError naming the parameter
 */
export function integerParam(query: URLSearchParams, name: string, fallback: number, max: number): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value > max) {
    throw new ControlError('ValidationError', `${name}: must be an integer from 0 to ${max}`, {
      field: name,
    });
  }
  return value;
}
