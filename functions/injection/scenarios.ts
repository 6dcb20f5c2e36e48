import { setImmediate } from 'node:timers/promises';
import { parseRule } from '../../shared/faults/parse-rule.js';
import type { Rule } from '../../shared/faults/rule.js';
import { RuleValidationError } from '../../shared/faults/validation.js';
import { ControlError, validationError } from './control-error.js';
import { type ControlOperation, objectBody, refuseUnknownFields } from './request.js';
import { resetSharedHits, withSharedHits } from './shared-hits.js';

/** Rules of a scenario file parsed per turn of the event loop. */
const PARSE_SLICE = 250;
/** Same shape the engine accepts for a rule's `scenario` tag. */
const SCENARIO_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** GET /scenarios: every scenario (rules sharing a tag) with its counts and latest expiry. */
export const listScenarios: ControlOperation = ({ runtime }) => ({
  status: 200,
  body: { scenarios: runtime.faults.listScenarios() },
});

/**
 * POST /scenarios/{name}/activate `{ttl?}`: enables every rule of the scenario and re-arms its TTL;
 * a fresh activation starts its counters (shared hits included) fresh.
 */
export const activateScenario: ControlOperation = async ({ runtime, params, body }) => {
  const fields = objectBody(body, true);
  refuseUnknownFields(fields, ['ttl']);
  const name = scenarioName(params.name!);
  const rules = runtime.faults.activateScenario(
    name,
    fields.ttl === undefined ? {} : { ttl: fields.ttl as string },
  );
  if (rules.length === 0) throw noSuchScenario(name);
  await resetSharedHits(
    runtime,
    rules.map((rule) => rule.id),
  );
  return { status: 200, body: { scenario: name, rules } };
};

/** POST /scenarios/{name}/deactivate: disables every rule of the scenario (they stay listed). */
export const deactivateScenario: ControlOperation = async ({ runtime, params }) => {
  const name = scenarioName(params.name!);
  const rules = runtime.faults.deactivateScenario(name);
  if (rules.length === 0) throw noSuchScenario(name);
  return { status: 200, body: { scenario: name, rules: await withSharedHits(runtime, rules) } };
};

/**
 * POST /scenarios/{name} `{rules: [...]}`: applies a scenario file. Every rule is validated before
 * anything changes; the scenario's previous rules are replaced, so applying a file twice is the
 * same as applying it once. Rules without an id get `<name>.<n>`, stable across applies.
 */
export const applyScenario: ControlOperation = async ({ runtime, params, body }) => {
  const name = scenarioName(params.name!);
  const fields = objectBody(body);
  refuseUnknownFields(fields, ['rules']);
  if (!Array.isArray(fields.rules)) throw validationError('rules', 'must be an array of rules');
  if (fields.rules.length === 0) throw validationError('rules', 'must hold at least one rule');
  const engine = runtime.faults;
  const now = runtime.services.clock.now();
  const maxTtlMs = runtime.config.faults.maxTtlMs;
  const parsed: Rule[] = [];
  const ids = new Set<string>();
  for (const [index, input] of (fields.rules as unknown[]).entries()) {
    // A large file is parsed in slices: S3 requests are served between them, not after them all.
    if (index % PARSE_SLICE === PARSE_SLICE - 1) await setImmediate();
    const path = `rules[${index}]`;
    const ruleFields = objectBody(input === undefined ? null : input);
    if (ruleFields.scenario !== undefined && ruleFields.scenario !== name) {
      throw validationError(`${path}.scenario`, `must be ${name} or absent`);
    }
    let rule: Rule;
    try {
      rule = parseRule(
        { ...ruleFields, scenario: name },
        { now, maxTtlMs, newId: () => `${name}.${index + 1}` },
      );
    } catch (error) {
      if (error instanceof RuleValidationError)
        throw validationError(`${path}.${error.field}`, stripField(error));
      throw error;
    }
    if (ids.has(rule.id)) throw validationError(`${path}.id`, `duplicate id ${rule.id}`);
    const existing = engine.getRule(rule.id);
    if (existing !== undefined && existing.scenario !== name) {
      throw new ControlError('Conflict', `a rule with id ${rule.id} already exists in another scenario`);
    }
    ids.add(rule.id);
    parsed.push(rule);
  }
  const previous = engine.listRules({ scenario: name }).map((rule) => rule.id);
  // One change for the whole file: a change per rule cost seconds for thousands of rules.
  const rules = engine.applyScenario(name, parsed);
  // Put anew: every rule of the file starts at 0, as the engine's own counters do.
  await resetSharedHits(runtime, [...new Set([...previous, ...ids])]);
  return { status: 201, body: { scenario: name, rules } };
};

/** DELETE /scenarios/{name}: removes every rule of the scenario. */
export const removeScenario: ControlOperation = async ({ runtime, params }) => {
  const name = scenarioName(params.name!);
  const rules = runtime.faults.removeScenario(name);
  if (rules.length === 0) throw noSuchScenario(name);
  await resetSharedHits(
    runtime,
    rules.map((rule) => rule.id),
  );
  return { status: 200, body: { scenario: name, removed: rules.length } };
};

function scenarioName(name: string): string {
  if (!SCENARIO_NAME.test(name)) throw validationError('name', `must match ${SCENARIO_NAME.source}`);
  return name;
}

function noSuchScenario(name: string): ControlError {
  return new ControlError('NotFound', `no rules in scenario ${name}`);
}

/** The engine's message without its leading `field: `. */
function stripField(error: RuleValidationError): string {
  const prefix = `${error.field}: `;
  return error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
}
