/** `method:` of a drill file: the timeline of steps, each one action at a time from the load's start. */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseScenarioFile } from '../../cli/scenario-file.js';
import {
  type DrillAction,
  type DrillActionName,
  DrillFileError,
  type DrillStep,
  NODE_ACTIONS,
  SERVICE_ACTIONS,
  SERVICES,
} from '../types.js';
import { durationAt, type Fields, fieldPath, listAt, objectAt, oneOf, stringAt } from './fields.js';

const ACTIONS = [
  'rules',
  'scenario',
  'preset',
  'clear',
  'disable_all',
  ...NODE_ACTIONS,
  ...SERVICE_ACTIONS,
  'wait',
] as const satisfies readonly DrillActionName[];

/** The forms a step can take without `action:` (`rules:`, `scenario:`, `preset:`). */
const FORMS = ['rules', 'scenario', 'preset'] as const;

/** The keys each action takes besides `at` and `action`. */
function keysOf(action: DrillActionName): readonly string[] {
  if ((NODE_ACTIONS as readonly string[]).includes(action)) return ['node'];
  if ((SERVICE_ACTIONS as readonly string[]).includes(action)) return ['service'];
  if (action === 'rules') return ['rules'];
  if (action === 'scenario') return ['scenario'];
  if (action === 'preset') return ['preset', 'params'];
  return [];
}

const STEP_KEYS = ['at', 'action', 'rules', 'scenario', 'preset', 'params', 'node', 'service'] as const;

function actionOf(fields: Fields, field: string): DrillActionName {
  if (fields.action !== undefined) return oneOf(fields.action, fieldPath(field, 'action'), ACTIONS);
  const forms = FORMS.filter((form) => fields[form] !== undefined);
  if (forms.length === 0) {
    throw new DrillFileError(
      fieldPath(field, 'action'),
      `missing: one of ${ACTIONS.join(', ')}, or a rules:, scenario: or preset: list`,
    );
  }
  if (forms.length > 1) {
    throw new DrillFileError(
      fieldPath(field, forms[1]!),
      `a step has one form: ${forms[0]} or ${forms[1]}, not both`,
    );
  }
  return forms[0]!;
}

function missing(field: string, what: string): never {
  throw new DrillFileError(field, `missing: ${what}`);
}

function parseRules(value: unknown, field: string): readonly unknown[] {
  const rules = listAt(value ?? missing(field, 'a list of FAULTS.md rules'), field);
  if (rules.length === 0) throw new DrillFileError(field, 'an empty list: give at least one rule');
  rules.forEach((rule, index) => {
    // The rule model itself is checked by the server's own validator when the step is applied.
    if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) {
      throw new DrillFileError(`${field}[${index}]`, 'a rule is a mapping (match, fault, rate, ...)');
    }
  });
  return rules;
}

/** Reads a `scenario:` file relative to the drill file's folder, now: a missing file refuses the drill. */
function readScenario(file: string, field: string, drillPath: string): DrillAction {
  const path = resolve(dirname(drillPath), file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DrillFileError(
      field,
      code === 'ENOENT' ? `no such file: ${path}` : `cannot read ${path}: ${code}`,
    );
  }
  try {
    return { action: 'scenario', file, scenario: parseScenarioFile(text, path) };
  } catch (error) {
    throw new DrillFileError(field, `not a scenario file: ${(error as Error).message}`);
  }
}

function parseAction(action: DrillActionName, fields: Fields, field: string, drillPath: string): DrillAction {
  const at = (key: string) => fieldPath(field, key);
  switch (action) {
    case 'rules':
      return { action, rules: parseRules(fields.rules, at('rules')) };
    case 'scenario':
      return readScenario(
        stringAt(fields.scenario ?? missing(at('scenario'), 'a scenario file'), at('scenario')),
        at('scenario'),
        drillPath,
      );
    case 'preset': {
      const preset = stringAt(fields.preset ?? missing(at('preset'), 'a preset name'), at('preset'));
      if (fields.params === undefined) return { action, preset };
      // Preset parameters are the server's to check (GET /api/v1/injection/presets describes them).
      return { action, preset, params: objectAt(fields.params, at('params'), 'any') };
    }
    case 'kill_node':
    case 'stop_node':
    case 'start_node':
    case 'partition_node':
    case 'heal_node':
      return { action, node: stringAt(fields.node ?? missing(at('node'), 'the node (node-2)'), at('node')) };
    case 'stop_service':
    case 'start_service':
      return {
        action,
        service: oneOf(
          fields.service ?? missing(at('service'), SERVICES.join(' | ')),
          at('service'),
          SERVICES,
        ),
      };
    case 'clear':
    case 'disable_all':
    case 'wait':
      return { action };
  }
}

function parseStep(value: unknown, index: number, drillPath: string): DrillStep {
  const field = `method[${index}]`;
  const fields = objectAt(value, field, STEP_KEYS);
  const at = durationAt(
    fields.at ?? missing(fieldPath(field, 'at'), 'when (10s from the start of load)'),
    fieldPath(field, 'at'),
  );
  const action = actionOf(fields, field);
  const allowed = ['at', 'action', ...keysOf(action)];
  for (const key of Object.keys(fields)) {
    if (!allowed.includes(key))
      throw new DrillFileError(fieldPath(field, key), `not a key of action ${action}`);
  }
  return { ...parseAction(action, fields, field, drillPath), at, index };
}

/**
 * `method:` (absent: no steps, a baseline run). Steps must be in time order: a drill file is read
 * as a timeline, and one that is not is more likely a typo than an intent, so it is refused rather
 * than sorted. Steps at the same time run in file order.
 */
export function parseMethod(value: unknown, drillPath: string, loadDurationMs: number): readonly DrillStep[] {
  if (value === undefined || value === null) return [];
  const steps = listAt(value, 'method').map((step, index) => parseStep(step, index, drillPath));
  steps.forEach((step, index) => {
    if (step.at > loadDurationMs) {
      throw new DrillFileError(
        `method[${index}].at`,
        `${step.at}ms is past the end of load (load.duration is ${loadDurationMs}ms)`,
      );
    }
    const previous = steps[index - 1];
    if (previous !== undefined && step.at < previous.at) {
      throw new DrillFileError(
        `method[${index}].at`,
        `${step.at}ms is before method[${index - 1}].at (${previous.at}ms): steps are in time order`,
      );
    }
  });
  return steps;
}
