/** The fault-injection engine: what the middleware, adapters, gateway and control API call. */
export { createMemoryRuleStore } from './adapters/memory-rule-store.js';
export { formatDuration, parseDuration } from './duration.js';
export {
  createFaultEngine,
  type EngineReason,
  type ExplainedRule,
  type Explanation,
  type FaultChange,
  type FaultChangeKind,
  type FaultEngine,
  type FaultEngineOptions,
  type FaultEngineStatus,
  type FaultOutcome,
  HEADER_RULE_ID,
  type PresetDescription,
  type RuleFilter,
  type ScenarioSummary,
} from './engine.js';
export { FAULT_PARAMS, FAULT_TYPES, isFaultType, parseFault } from './fault-schema.js';
export { FAULT_HEADER, parseFaultHeader } from './header-fault.js';
export type { Firing, FiringFilter } from './hit-log.js';
export { type FaultOrigin, InjectedFault, InjectedS3Error, s3ErrorFor } from './injected-fault.js';
export { compileEndpoint, compileGlob, type FaultEvent, type MatchField, matchesRule } from './match.js';
export { DEFAULT_TTL_MS, type ParseRuleOptions, parseRule, parseTtl, patchRule } from './parse-rule.js';
export {
  isPresetName,
  PRESET_NAMES,
  PRESETS,
  type Preset,
  type PresetName,
  type PresetOptions,
} from './presets.js';
export { decide, seedFromId } from './random.js';
export * from './rule.js';
export type { RuleStore } from './rule-store.js';
export { RuleConflictError, RuleValidationError } from './validation.js';
