import type { RuleFilter } from '../../shared/faults/engine.js';
import { isInjectionPoint } from '../../shared/faults/rule.js';
import { ControlError, validationError } from './control-error.js';
import type { ControlOperation } from './request.js';
import { resetSharedHits, withSharedHit, withSharedHits } from './shared-hits.js';

const RULE_QUERY = ['scenario', 'point', 'enabled'] as const;

/**
 * POST /rules: adds a rule (canonical or shorthand form); 201 with the canonical rule. Its shared
 * count starts at 0 even if an expired rule with the same id had fired.
 */
export const addRule: ControlOperation = async ({ runtime, body }) => {
  if (body === undefined) throw validationError('body', 'a rule is required');
  const rule = runtime.faults.addRule(body);
  await resetSharedHits(runtime, [rule.id]);
  return { status: 201, body: rule };
};

/** GET /rules: the live rules, optionally filtered by scenario, point and enabled. */
export const listRules: ControlOperation = async ({ runtime, query }) => {
  const rules = await withSharedHits(runtime, runtime.faults.listRules(ruleFilter(query)));
  return { status: 200, body: { rules } };
};

/** DELETE /rules: removes every rule (the engine stays on; compare the kill switch). */
export const clearRules: ControlOperation = async ({ runtime }) => {
  const removed = runtime.faults.listRules().length;
  runtime.faults.replaceAll([]);
  await resetSharedHits(runtime);
  return { status: 200, body: { removed } };
};

/** GET /rules/{id}. */
export const getRule: ControlOperation = async ({ runtime, params }) => {
  const rule = runtime.faults.getRule(params.id!);
  if (rule === undefined) throw noSuchRule(params.id!);
  return { status: 200, body: await withSharedHit(runtime, rule) };
};

/** PATCH /rules/{id}: merges the changes (either form) and answers the updated rule (hits kept). */
export const updateRule: ControlOperation = async ({ runtime, params, body }) => {
  if (body === undefined) throw validationError('body', 'a patch is required');
  const rule = runtime.faults.updateRule(params.id!, body);
  if (rule === undefined) throw noSuchRule(params.id!);
  return { status: 200, body: await withSharedHit(runtime, rule) };
};

/** DELETE /rules/{id}: the rule and its shared count go. */
export const removeRule: ControlOperation = async ({ runtime, params }) => {
  if (!runtime.faults.removeRule(params.id!)) throw noSuchRule(params.id!);
  await resetSharedHits(runtime, [params.id!]);
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
