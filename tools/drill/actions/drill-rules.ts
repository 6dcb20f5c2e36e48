/**
 * The rules a `rules`, `scenario` or `preset` step applies, as the canonical bodies the control API
 * takes, validated by the server's own rule parser (shared/faults/parse-rule.ts, pure) so a bad rule
 * is refused, with its field named, before anything is applied. Every rule:
 * - carries the drill's scenario tag (`drill-<runId>`): the hit log is filtered by it and `clear`
 *   removes exactly the drill's rules;
 * - has an id derived from the drill's name and its place in the file (`drill.<name>.<step>.<n>`),
 *   and the drill's seed when it gives none: decisions are a function of (seed, rule id, match
 *   index), so the same drill file and seed give the same faults on every run (FAULTS.md);
 * - lives at least as long as the drill (a TTL past its end), and expires by itself if nobody is
 *   left to remove it.
 */

import { formatDuration } from '../../../shared/faults/duration.js';
import { DEFAULT_TTL_MS, parseRule } from '../../../shared/faults/parse-rule.js';
import { isPresetName, PRESETS, type PresetOptions } from '../../../shared/faults/presets.js';
import type { Rule } from '../../../shared/faults/rule.js';
import { RuleValidationError } from '../../../shared/faults/validation.js';
import { type DrillFile, DrillFileError, type DrillStep } from '../types.js';

/** FAULTS_MAX_TTL's default: the server refuses longer, and says so when the step applies. */
const MAX_TTL_MS = 24 * 3_600_000;
/** Rules outlive the drill's planned end by this much (slow starts, a long rollback). */
const TTL_MARGIN_MS = 5 * 60_000;
const SCENARIO_NAME = /[^A-Za-z0-9._-]/g;

/** The scenario tag of every rule of run `runId` (a valid scenario name). */
export function drillScenario(runId: string): string {
  return `drill-${runId.replace(SCENARIO_NAME, '-')}`.slice(0, 128);
}

/** Canonical rule bodies ready to POST to /api/v1/injection/rules. */
export type RuleBody = Readonly<Record<string, unknown>>;

/**
 * The rules step `step` applies, as canonical bodies tagged for the drill.
 * @throws DrillFileError naming the field (`method[2].rules[0].fault.type`) of a rule the server
 *   would refuse, an unknown preset or a preset option it does not take.
 */
export function drillRuleBodies(drill: DrillFile, step: DrillStep, scenario: string): RuleBody[] {
  const where = `method[${step.index}]`;
  switch (step.action) {
    case 'rules':
      return step.rules.map((rule, n) =>
        tagged(drill, rule, `${where}.rules[${n}]`, ruleId(drill, step, n), scenario),
      );
    case 'scenario': {
      const fileName = (step.scenario as { name?: unknown } | null)?.name;
      return scenarioRules(step.scenario, `${where}.scenario`).map((rule, n) =>
        tagged(
          drill,
          // A rule may name its own file's scenario (the control API allows it): the drill's tag replaces it.
          ownScenarioDropped(rule, fileName),
          `${where}.scenario (${step.file}) rules[${n}]`,
          ruleId(drill, step, n),
          scenario,
        ),
      );
    }
    case 'preset':
      return presetRules(drill, step, where, scenario);
    default:
      return [];
  }
}

function ruleId(drill: DrillFile, step: DrillStep, n: number): string {
  return `drill.${drill.name}.${step.index}.${n}`;
}

function ownScenarioDropped(rule: unknown, fileName: unknown): unknown {
  if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) return rule;
  const fields = rule as Record<string, unknown>;
  return fields.scenario !== undefined && fields.scenario === fileName
    ? { ...fields, scenario: undefined }
    : rule;
}

function scenarioRules(body: unknown, field: string): unknown[] {
  if (Array.isArray(body)) return body;
  const rules = (body as { rules?: unknown } | null)?.rules;
  if (typeof body === 'object' && body !== null && Array.isArray(rules)) return rules;
  throw new DrillFileError(field, 'a scenario file holds a rules list');
}

function presetRules(
  drill: DrillFile,
  step: DrillStep & { action: 'preset' },
  where: string,
  scenario: string,
) {
  if (!isPresetName(step.preset)) {
    throw new DrillFileError(
      `${where}.preset`,
      `no preset named ${step.preset} (${Object.keys(PRESETS).join(', ')})`,
    );
  }
  const preset = PRESETS[step.preset];
  const params = step.params ?? {};
  for (const name of Object.keys(params)) {
    if (!(preset.options as readonly string[]).includes(name)) {
      throw new DrillFileError(
        `${where}.params.${name}`,
        `preset ${preset.name} takes ${preset.options.join(', ') || 'no options'}`,
      );
    }
  }
  const bodies = preset.rules(params as PresetOptions);
  // The preset's own ids (`<preset>.<part>`) and scenario (its name) would be shared with anyone
  // else activating it: the drill's copies carry the drill's tag and ids of their own.
  return bodies.map((body) =>
    tagged(
      drill,
      { ...body, id: undefined, scenario: undefined },
      `${where}.preset (${preset.name}: ${String(body.id)})`,
      `drill.${drill.name}.${step.index}.${String(body.id)}`,
      scenario,
    ),
  );
}

/** Validates one rule with the server's parser and returns its canonical body, tagged. */
function tagged(drill: DrillFile, input: unknown, field: string, id: string, scenario: string): RuleBody {
  const fields = (
    typeof input === 'object' && input !== null && !Array.isArray(input) ? input : {}
  ) as Record<string, unknown>;
  if (fields.scenario !== undefined) {
    throw new DrillFileError(
      `${field}.scenario`,
      `a drill's rules carry the drill's own scenario (${scenario})`,
    );
  }
  const given = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
  let rule: Rule;
  try {
    rule = parseRule(typeof input === 'object' && input !== null ? given : input, {
      now: new Date(),
      maxTtlMs: MAX_TTL_MS,
      newId: () => id,
    });
  } catch (error) {
    if (error instanceof RuleValidationError) {
      throw new DrillFileError(`${field}.${error.field}`, error.message.slice(error.field.length + 2));
    }
    throw error;
  }
  const seed = fields.seed ?? drill.seed;
  const expiry =
    fields.expiresAt !== undefined
      ? { expiresAt: rule.expiresAt }
      : { ttl: fields.ttl !== undefined ? rule.ttl : formatDuration(drillTtlMs(drill)) };
  return {
    id: rule.id,
    ...(rule.name === undefined ? {} : { name: rule.name }),
    scenario,
    enabled: rule.enabled,
    priority: rule.priority,
    match: rule.match,
    fault: rule.fault,
    rate: rule.rate,
    after: rule.after,
    ...(rule.times === undefined ? {} : { times: rule.times }),
    every: rule.every,
    seed,
    ...expiry,
    ...(rule.window === undefined ? {} : { window: rule.window }),
  };
}

/** Long enough for the whole drill, at least the rule default. */
function drillTtlMs(drill: DrillFile): number {
  const lastAt = drill.method.reduce((latest, step) => Math.max(latest, step.at), 0);
  const span = Math.max(drill.load.durationMs, lastAt + drill.recoveryMs);
  return Math.min(MAX_TTL_MS, Math.max(DEFAULT_TTL_MS, Math.ceil((span + TTL_MARGIN_MS) / 60_000) * 60_000));
}
