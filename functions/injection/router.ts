import { ControlError } from './control-error.js';
import { listEvents } from './events.js';
import { explain, listPoints } from './explain.js';
import { activatePreset, listPresets } from './presets.js';
import type { ControlOperation } from './request.js';
import { addRule, clearRules, getRule, listRules, removeRule, updateRule } from './rules.js';
import {
  activateScenario,
  applyScenario,
  deactivateScenario,
  listScenarios,
  removeScenario,
} from './scenarios.js';
import { disableAll, enable, status } from './switches.js';

/** Where the injection service is mounted on the control plane. */
export const INJECTION_BASE = '/api/v1/injection';

export interface ControlRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** OpenAPI path template below {@link INJECTION_BASE}, e.g. `/rules/{id}`. */
  path: string;
  /** The OpenAPI `operationId`. */
  operationId: string;
  operation: ControlOperation;
}

/** Every operation of the injection service; the contract test checks it against the OpenAPI document. */
export const CONTROL_ROUTES: readonly ControlRoute[] = [
  { method: 'POST', path: '/rules', operationId: 'addRule', operation: addRule },
  { method: 'GET', path: '/rules', operationId: 'listRules', operation: listRules },
  { method: 'DELETE', path: '/rules', operationId: 'clearRules', operation: clearRules },
  { method: 'GET', path: '/rules/{id}', operationId: 'getRule', operation: getRule },
  { method: 'PATCH', path: '/rules/{id}', operationId: 'updateRule', operation: updateRule },
  { method: 'DELETE', path: '/rules/{id}', operationId: 'removeRule', operation: removeRule },
  { method: 'GET', path: '/scenarios', operationId: 'listScenarios', operation: listScenarios },
  { method: 'POST', path: '/scenarios/{name}', operationId: 'applyScenario', operation: applyScenario },
  { method: 'DELETE', path: '/scenarios/{name}', operationId: 'removeScenario', operation: removeScenario },
  {
    method: 'POST',
    path: '/scenarios/{name}/activate',
    operationId: 'activateScenario',
    operation: activateScenario,
  },
  {
    method: 'POST',
    path: '/scenarios/{name}/deactivate',
    operationId: 'deactivateScenario',
    operation: deactivateScenario,
  },
  { method: 'GET', path: '/presets', operationId: 'listPresets', operation: listPresets },
  {
    method: 'POST',
    path: '/presets/{name}/activate',
    operationId: 'activatePreset',
    operation: activatePreset,
  },
  { method: 'POST', path: '/disable-all', operationId: 'disableAll', operation: disableAll },
  { method: 'POST', path: '/enable', operationId: 'enable', operation: enable },
  { method: 'GET', path: '/status', operationId: 'getStatus', operation: status },
  { method: 'GET', path: '/events', operationId: 'listEvents', operation: listEvents },
  { method: 'GET', path: '/points', operationId: 'listPoints', operation: listPoints },
  { method: 'POST', path: '/explain', operationId: 'explain', operation: explain },
];

interface CompiledRoute extends ControlRoute {
  segments: readonly string[];
}

const COMPILED: readonly CompiledRoute[] = CONTROL_ROUTES.map((route) => ({
  ...route,
  segments: route.path.split('/').slice(1),
}));

export interface RouteMatch {
  route: ControlRoute;
  params: Record<string, string>;
}

/**
 * Finds the operation for a method and raw path. A path that exists under another method is a
 * 405; a path that does not exist is a 404.
 */
export function matchControlRoute(method: string, rawPath: string): RouteMatch {
  if (!rawPath.startsWith(`${INJECTION_BASE}/`)) throw notFound(rawPath);
  const parts = rawPath
    .slice(INJECTION_BASE.length + 1)
    .replace(/\/$/, '')
    .split('/');
  let pathExists = false;
  for (const route of COMPILED) {
    const params = matchSegments(route.segments, parts);
    if (params === undefined) continue;
    pathExists = true;
    if (route.method === method) return { route, params };
  }
  if (pathExists) throw new ControlError('MethodNotAllowed', `${method} is not allowed on ${rawPath}`);
  throw notFound(rawPath);
}

function matchSegments(
  template: readonly string[],
  parts: readonly string[],
): Record<string, string> | undefined {
  if (template.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const expected = template[i]!;
    const actual = parts[i]!;
    if (expected.startsWith('{')) {
      if (actual === '') return undefined;
      params[expected.slice(1, -1)] = safeDecode(actual);
    } else if (expected !== actual) {
      return undefined;
    }
  }
  return params;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function notFound(rawPath: string): ControlError {
  return new ControlError('NotFound', `no control operation at ${rawPath}`);
}
