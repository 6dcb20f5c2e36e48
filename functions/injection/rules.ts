import type { RuleFilter } from '../../shared/faults/engine.js';
import { isInjectionPoint } from '../../shared/faults/rule.js';
import { ControlError, validationError } from './control-error.js';
import type { ControlOperation } from './request.js';

const RULE_QUERY = ['scenario', 'point', 'enabled'] as const;

/** POST /rules: adds a rule (canonical or shorthand form); 201 with the canonical rule. */
export const addRule: ControlOperation = ({ runtime, body }) => {
  if (body === undefined) throw validationError('body', 'a rule is required');
  return { status: 201, body: runtime.faults.addRule(body) };
};

/** GET /rules: the live rules, optionally filtered by scenario, point and enabled. */
export const listRules: ControlOperation = ({ runtime, query }) => {
  return { status: 200, body: { rules: runtime.faults.listRules(ruleFilter(query)) } };
};

/** DELETE /rules: removes every rule (the engine stays on; compare the kill switch). */
export const clearRules: ControlOperation = ({ runtime }) => {
  const removed = runtime.faults.listRules().length;
  runtime.faults.replaceAll([]);
  return { status: 200, body: { removed } };
};

/** GET /rules/{id}. */
export const getRule: ControlOperation = ({ runtime, params }) => {
  const rule = runtime.faults.getRule(params.id!);
  if (rule === undefined) throw noSuchRule(params.id!);
  return { status: 200, body: rule };
};

/** PATCH /rules/{id}: merges the changes (either form) and answers the updated rule. */
export const updateRule: ControlOperation = ({ runtime, params, body }) => {
  if (body === undefined) throw validationError('body', 'a patch is required');
  const rule = runtime.faults.updateRule(params.id!, body);
  if (rule === undefined) throw noSuchRule(params.id!);
  return { status: 200, body: rule };
};

/** DELETE /rules/{id}. */
export const removeRule: ControlOperation = ({ runtime, params }) => {
  if (!runtime.faults.removeRule(params.id!)) throw noSuchRule(params.id!);
  return { status: 200, body: { removed: 1 } };
};

function noSuchRule(id: string): ControlError {
  return new ControlError('NotFound', `no rule with id ${id}`);
}

function ruleFilter(query: URLSearchParams): RuleFilter {
  for (const name of query.keys()) {
    if (!(RULE_QUERY as readonly string[]).includes(name)) throw validationError(name, 'unknown parameter');
  }
  const filter: RuleFilter = {};
  const scenario = query.get('scenario');
  if (scenario !== null) filter.scenario = scenario;
  const point = query.get('point');
  if (point !== null) {
    if (!isInjectionPoint(point)) throw validationError('point', `unknown injection point ${point}`);
    filter.point = point;
  }
  const enabled = query.get('enabled');
  if (enabled !== null) {
    if (enabled !== 'true' && enabled !== 'false') throw validationError('enabled', 'must be true or false');
    filter.enabled = enabled === 'true';
  }
  return filter;
}
