/**
 * The fault engine of one instance: the live rules, the on/off switches, and the evaluation of
 * an event at an injection point following FAULTS.md ("Combining", "Determinism").
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../runtime/clock.js';
import { type Decision, decideFiring, delayOf } from './decision.js';
import { deferFiring, isDeferredFault, type PendingFiring } from './deferred-firing.js';
import { FaultHolds, type HoldEnd, type HoldPart } from './fault-holds.js';
import { FAULT_HEADER, parseFaultHeader } from './header-fault.js';
import { type Firing, type FiringFilter, HIT_LOG_CAPACITY, HitLog } from './hit-log.js';
import { type FaultEvent, type MatchField, normaliseEvent } from './match.js';
import { DEFAULT_TTL_MS, parseRule, parseTtl, patchRule } from './parse-rule.js';
import { isPresetName, PRESET_NAMES, PRESETS, type PresetName, type PresetOptions } from './presets.js';
import { ruleStream } from './random.js';
import {
  type Fault,
  type FaultService,
  type FaultType,
  type InjectionPoint,
  isDelayFault,
  type Rule,
} from './rule.js';
import { byEvaluationOrder, type RuleEntry, RuleSet, ruleView } from './rule-set.js';
import { RuleConflictError, RuleLimitError } from './validation.js';

export interface FaultEngineOptions {
  clock: Clock;
  /** `FAULTS_ENABLED`: the engine is off unless configured on. */
  enabled: boolean;
  /** `FAULTS_MAX_TTL` in milliseconds. */
  maxTtlMs: number;
  /** `FAULTS_MAX_RULES`: the most live rules the engine holds (default {@link DEFAULT_MAX_RULES}). */
  maxRules?: number;
  /** Firings kept for `events()` (default {@link HIT_LOG_CAPACITY}). */
  hitLogSize?: number;
  /** Called for every firing (span attributes, log line, metric); must not throw. */
  onFire?: (firing: Firing) => void;
  /**
   * Ids for rules posted without one, from the rule's content (default: `rule-` and 12 hex digits
   * of its SHA-256), so the same body gets the same id, and decisions, on a fresh server.
   */
  newId?: (content: string) => string;
}

/**
 * What a point alone knows: whether a fault could take effect on this very event (a `truncate`
 * at `afterBytes` cannot cut a shorter body). A rule whose fault cannot is passed over as if it
 * did not match: no counter moves, nothing is logged (FAULTS.md: a firing is logged only when its
 * effect happened).
 */
export type EffectPossible = (fault: Fault) => boolean;

/** What an event gets: wait `delayMs` first, then apply `terminal` if any. */
export interface FaultOutcome {
  delayMs: number;
  /**
   * `pending` for a fault whose owner decides the effect (`isDeferredFault`): its firing is not in
   * `firings` and is recorded only when the owner confirms it.
   */
  terminal?: { rule: Rule; fault: Fault; pending?: PendingFiring };
  /** The firings recorded. */
  firings: readonly Firing[];
  /**
   * Waits `delayMs` out, each rule's share cut short when that rule goes (deleted, disabled,
   * expired, the kill switch), or the whole wait when `signal` aborts: the only way a point may
   * wait for its delays.
   */
  waitDelay(signal?: AbortSignal): Promise<HoldEnd>;
}

/** Why the engine is on or off: the kill switch beats the config switch, which beats the env. */
export type EngineReason = 'env' | 'config' | 'kill_switch';

export interface FaultEngineStatus {
  enabled: boolean;
  reason: EngineReason;
  /** `FAULTS_ENABLED`. */
  env: boolean;
  /** The config switch, when set. */
  config?: boolean;
  killSwitch: boolean;
  rules: number;
  /** Rules that can fire now: enabled, in their window, not spent. */
  activeRules: number;
  scenarios: number;
  version: number;
}

export interface ScenarioSummary {
  name: string;
  rules: number;
  enabledRules: number;
  /** The latest expiry among its rules. */
  expiresAt: string;
}

export interface RuleFilter {
  scenario?: string;
  point?: InjectionPoint;
  enabled?: boolean;
}

export type FaultChangeKind =
  | 'rule_added'
  | 'rule_updated'
  | 'rule_removed'
  | 'rules_replaced'
  | 'scenario_applied'
  | 'scenario_removed'
  | 'scenario_activated'
  | 'scenario_deactivated'
  | 'preset_activated'
  | 'kill_switch'
  | 'enabled'
  | 'config_switch';

/** A change of the engine's state, for a propagation layer to publish. */
export interface FaultChange {
  version: number;
  kind: FaultChangeKind;
  /** Rules concerned (ids), when the change is about rules. */
  ruleIds: readonly string[];
}

/** One rule in a dry run. */
export interface ExplainedRule {
  ruleId: string;
  scenario?: string;
  priority: number;
  point: InjectionPoint;
  type: FaultType;
  matched: boolean;
  /** The first `match` field the event fails. */
  mismatch?: MatchField;
  /** Why a matching rule was not considered. */
  skipped?: 'disabled' | 'outside_window' | 'spent' | 'after_terminal';
  /** The decision on this match; `under_rate` for a throttle still within its rate. */
  decision?: Decision | 'under_rate';
  /** The match index this event would take. */
  matchIndex?: number;
  wouldFire: boolean;
}

export interface Explanation {
  /** Whether anything would fire at all (the engine may be off). */
  enabled: boolean;
  reason: EngineReason;
  /** Every live rule, in evaluation order. */
  rules: ExplainedRule[];
  /** What `evaluate` would return now (empty when the engine is off). */
  outcome: { delayMs: number; terminal?: { ruleId: string; type: FaultType } };
}

export interface PresetDescription {
  name: PresetName;
  description: string;
  options: readonly (keyof PresetOptions)[];
  /** The rule bodies it materialises with default options. */
  rules: Record<string, unknown>[];
}

export interface FaultEngine {
  readonly version: number;
  addRule(input: unknown): Rule;
  /** Inserts or replaces an already canonical rule as is (from a store or another instance). */
  putRule(rule: Rule): void;
  getRule(id: string): Rule | undefined;
  listRules(filter?: RuleFilter): Rule[];
  updateRule(id: string, patch: unknown): Rule | undefined;
  removeRule(id: string): boolean;
  replaceAll(rules: readonly Rule[], state?: { killSwitch?: boolean }): void;
  listScenarios(): ScenarioSummary[];
  /**
   * Replaces the rules of scenario `name` with `rules` (canonical, tagged `name`) in one change:
   * one event, one store write, one index rebuild, however many rules (a scenario file).
   * @throws RuleLimitError when the live rules would exceed the cap; nothing changes then.
   */
  applyScenario(name: string, rules: readonly Rule[]): Rule[];
  /** Removes every rule of scenario `name` in one change; returns the rules removed. */
  removeScenario(name: string): Rule[];
  activateScenario(name: string, options?: { ttl?: string }): Rule[];
  deactivateScenario(name: string): Rule[];
  presets(): PresetDescription[];
  activatePreset(name: string, options?: PresetOptions): Rule[] | undefined;
  disableAll(): void;
  enable(): void;
  setConfigSwitch(on: boolean | undefined): void;
  status(): FaultEngineStatus;
  onChange(listener: (change: FaultChange) => void): () => void;
  evaluate(event: FaultEvent, effectPossible?: EffectPossible): FaultOutcome;
  /**
   * Whether an event at `point` for `service` could fire a rule: the engine is on and an enabled
   * rule targets that point. When false, `evaluate` of any such event returns no fault, so a point
   * may skip building its event (the hot path pays a lookup, not an allocation).
   */
  armedAt(point: InjectionPoint, service: FaultService): boolean;
  evaluateWithHeader(event: FaultEvent, headerValue: string | undefined): FaultOutcome;
  /**
   * Holds a request on behalf of rules (a `timeout`, a `stall`, a paced body): resolves after the
   * parts' time, or at once with 'released' when one of their rules goes (or `signal` aborts), so
   * the caller can end the effect without the rest of the wait.
   */
  hold(parts: readonly HoldPart[], signal?: AbortSignal): Promise<HoldEnd>;
  explain(event: FaultEvent): Explanation;
  events(filter?: FiringFilter): Firing[];
}

/**
 * Walks lists of rules, each in rank order, as one list in rank (= evaluation) order, no copy
 * made; there are rarely more than two or three lists, so the heads are simply scanned.
 */
class RankedWalk {
  private readonly positions: number[];
  constructor(private readonly lists: readonly (readonly RuleEntry[])[]) {
    this.positions = new Array<number>(lists.length).fill(0);
  }

  next(): RuleEntry | undefined {
    let best: RuleEntry | undefined;
    let from = -1;
    for (let i = 0; i < this.lists.length; i++) {
      const head = this.lists[i]![this.positions[i]!];
      if (head !== undefined && (best === undefined || head.rank < best.rank)) {
        best = head;
        from = i;
      }
    }
    if (from !== -1) this.positions[from]! += 1;
    return best;
  }
}
/** See `evaluate`: the lists an event may match, before they are copied. */
const scratch: RuleEntry[][] = [];
const ELAPSED: Promise<HoldEnd> = Promise.resolve('elapsed');
const NO_FAULT: FaultOutcome = Object.freeze({
  delayMs: 0,
  firings: Object.freeze([]) as readonly Firing[],
  waitDelay: () => ELAPSED,
});

/** The cap on live rules when the configuration names none (`FAULTS_MAX_RULES`). */
export const DEFAULT_MAX_RULES = 10_000;

/** The id under which `x-mock-fault` firings appear in the hit log. */
export const HEADER_RULE_ID = FAULT_HEADER;

/**
 * Creates the fault engine of one instance. Rules can be managed whether it is on or off;
 * nothing fires while it is off.
 *
 * Per-request faults: `evaluateWithHeader(event, value)` applies an `x-mock-fault` value (the
 * caller checks `FAULTS_HEADER_ENABLED`) before the rules, as if it were the highest-priority
 * rule: a terminal header fault ends the chain without consuming any rule counter.
 */
export function createFaultEngine(options: FaultEngineOptions): FaultEngine {
  const { clock, maxTtlMs } = options;
  const maxRules = options.maxRules ?? DEFAULT_MAX_RULES;
  const rules = new RuleSet();
  const hitLog = new HitLog(options.hitLogSize ?? HIT_LOG_CAPACITY);
  const listeners = new Set<(change: FaultChange) => void>();
  const newId = options.newId ?? contentId;
  let version = 0;
  let killSwitch = false;
  let configSwitch: boolean | undefined;

  const nowMs = () => clock.now().getTime();
  const parseOptions = () => ({ now: clock.now(), maxTtlMs, newId: uniqueId });
  const isEnabled = () => !killSwitch && (configSwitch ?? options.enabled);
  const reason = (): EngineReason =>
    killSwitch ? 'kill_switch' : configSwitch !== undefined ? 'config' : 'env';

  /**
   * The id of a rule posted without one. A second live rule with the same content gets `-2`, a
   * third `-3`...: distinct, and the same on every server that gets the same posts in order.
   */
  function uniqueId(content: string): string {
    const base = newId(content);
    let id = base;
    for (let n = 2; liveEntry(id) !== undefined; n++) id = `${base}-${n}`;
    return id;
  }

  /** How long a rule may still hold requests: until it expires; not at all once gone or off. */
  function lifetime(ruleId: string): number | undefined {
    if (!isEnabled()) return undefined;
    if (ruleId === HEADER_RULE_ID) return Number.POSITIVE_INFINITY;
    const entry = rules.get(ruleId);
    return entry === undefined || !entry.rule.enabled ? undefined : entry.expiresAtMs;
  }
  const holds = new FaultHolds(nowMs, lifetime);

  /** An outcome whose delays are the firings' own, so each can be cut short with its rule. */
  function outcomeOf(delayMs: number, terminal: FaultOutcome['terminal'], firings: readonly Firing[]) {
    const waitDelay = (signal?: AbortSignal) => {
      if (delayMs <= 0) return ELAPSED;
      const parts: HoldPart[] = [];
      for (const firing of firings) {
        if (firing.delayMs !== undefined && firing.delayMs > 0) {
          parts.push({ ruleId: firing.ruleId, ms: firing.delayMs });
        }
      }
      return holds.hold(parts, signal);
    };
    const outcome: FaultOutcome = { delayMs, firings, waitDelay };
    if (terminal !== undefined) outcome.terminal = terminal;
    return outcome;
  }

  function changed(kind: FaultChangeKind, ruleIds: readonly string[] = []): void {
    // Before anyone hears of it: a request held by a rule that went is let go now.
    holds.recheck();
    version += 1;
    const change = { version, kind, ruleIds };
    for (const listener of listeners) listener(change);
  }

  /** The live entries (expired ones pruned first). */
  function live(): RuleEntry[] {
    rules.prune(nowMs());
    return rules.all().sort(byEvaluationOrder);
  }

  function liveEntry(id: string): RuleEntry | undefined {
    const entry = rules.get(id);
    if (entry === undefined || entry.expiresAtMs > nowMs()) return entry;
    rules.delete(id);
    return undefined;
  }

  function record(
    entry: { rule: Rule },
    event: FaultEvent,
    now: number,
    delayMs: number,
    decisionIndex: number,
  ): Firing {
    const { rule } = entry;
    const firing: Firing = {
      time: new Date(now).toISOString(),
      ruleId: rule.id,
      ...(rule.scenario === undefined ? {} : { scenario: rule.scenario }),
      point: event.point,
      type: rule.fault.type,
      service: event.service,
      ...(event.operation === undefined ? {} : { operation: event.operation }),
      ...(event.requestId === undefined ? {} : { requestId: event.requestId }),
      ...(event.node === undefined ? {} : { node: event.node }),
      decisionIndex,
      ...(isDelayFault(rule.fault) ? { delayMs } : {}),
    };
    // Observed first: the observer names the trace and span the firing acted on, which the hit log
    // (and /events) then shows.
    options.onFire?.(firing);
    hitLog.append(firing);
    return firing;
  }

  function evaluate(input: FaultEvent, effectPossible?: EffectPossible): FaultOutcome {
    if (!isEnabled()) return NO_FAULT;
    const candidates = rules.candidatesFor(input.point, input.service);
    if (candidates.size === 0) return NO_FAULT;
    // Collected into a shared scratch array, copied only when something may match: the usual
    // outcome (nothing) then allocates nothing. Nothing below can re-enter before the copy, and
    // every path leaves it empty (setting an array's length is a runtime call: only when needed).
    if (scratch.length !== 0) scratch.length = 0;
    candidates.collect(input, scratch);
    if (scratch.length === 0) return NO_FAULT;
    const lists = scratch.slice();
    scratch.length = 0;
    const event = normaliseEvent(input);
    const now = nowMs();
    let delayMs = 0;
    let terminal: FaultOutcome['terminal'];
    let firings: Firing[] | undefined;
    let expired = false;
    const walk = new RankedWalk(lists);
    for (let entry = walk.next(); entry !== undefined; entry = walk.next()) {
      if (entry.expiresAtMs <= now) {
        expired = true;
        continue;
      }
      if (now < entry.windowStartMs || now >= entry.windowEndMs) continue;
      const rule = entry.rule;
      const counters = entry.counters;
      if (rule.times !== undefined && counters.fired >= rule.times) continue;
      if (entry.matcher.mismatch(event) !== undefined) continue;
      if (effectPossible !== undefined && !effectPossible(rule.fault)) continue;
      const matchIndex = counters.matches++;
      if (decideFiring(rule, entry.stream, matchIndex) !== 'fire') continue;
      if (rule.fault.type === 'throttle' && !counters.throttle!.overLimit(rule.fault, event, now)) continue;
      counters.fired += 1;
      if (isDeferredFault(rule.fault)) {
        const giveBack = () => {
          counters.fired -= 1;
        };
        const pending = deferFiring(rule.id, () => record(entry, event, now, 0, matchIndex), giveBack);
        terminal = { rule: ruleView(entry), fault: rule.fault, pending };
        break;
      }
      const delay = delayOf(rule.fault, entry.jitterStream, matchIndex);
      firings ??= [];
      firings.push(record(entry, event, now, delay, matchIndex));
      if (isDelayFault(rule.fault)) {
        delayMs += delay;
        continue;
      }
      terminal = { rule: ruleView(entry), fault: rule.fault };
      break;
    }
    if (expired) rules.prune(now);
    if (firings === undefined && terminal === undefined) return NO_FAULT;
    return outcomeOf(delayMs, terminal, firings ?? []);
  }

  function evaluateWithHeader(event: FaultEvent, headerValue: string | undefined): FaultOutcome {
    if (headerValue === undefined || headerValue.trim() === '' || !isEnabled()) return evaluate(event);
    const fault = parseFaultHeader(headerValue, event.point, maxTtlMs);
    const now = nowMs();
    const rule = headerRule(fault, event, now);
    if (isDeferredFault(fault)) {
      const pending = deferFiring(
        rule.id,
        () => record({ rule }, event, now, 0, 0),
        () => undefined,
      );
      return outcomeOf(0, { rule, fault, pending }, []);
    }
    const delay = delayOf(fault, ruleStream(event.requestId ?? '', HEADER_RULE_ID), 0);
    const firing = record({ rule }, event, now, delay, 0);
    if (!isDelayFault(fault)) return outcomeOf(0, { rule, fault }, [firing]);
    const rest = evaluate(event);
    return outcomeOf(rest.delayMs + delay, rest.terminal, [firing, ...rest.firings]);
  }

  function explain(input: FaultEvent): Explanation {
    const event = normaliseEvent(input);
    const now = nowMs();
    const explained: ExplainedRule[] = [];
    let delayMs = 0;
    let terminal: Explanation['outcome']['terminal'];
    for (const entry of live()) {
      const { rule, counters } = entry;
      const mismatch = entry.matcher.mismatch(event);
      const row: ExplainedRule = {
        ruleId: rule.id,
        ...(rule.scenario === undefined ? {} : { scenario: rule.scenario }),
        priority: rule.priority,
        point: rule.match.point,
        type: rule.fault.type,
        matched: mismatch === undefined,
        wouldFire: false,
      };
      explained.push(row);
      if (mismatch !== undefined) row.mismatch = mismatch;
      if (!row.matched) continue;
      if (!rule.enabled) row.skipped = 'disabled';
      else if (now < entry.windowStartMs || now >= entry.windowEndMs) row.skipped = 'outside_window';
      else if (rule.times !== undefined && counters.fired >= rule.times) row.skipped = 'spent';
      else if (terminal !== undefined) row.skipped = 'after_terminal';
      if (row.skipped !== undefined) continue;
      row.matchIndex = counters.matches;
      let decision: Decision | 'under_rate' = decideFiring(rule, entry.stream, counters.matches);
      if (decision === 'fire' && rule.fault.type === 'throttle') {
        if (!counters.throttle!.wouldExceed(rule.fault, event, now)) decision = 'under_rate';
      }
      row.decision = decision;
      row.wouldFire = decision === 'fire';
      if (!row.wouldFire) continue;
      if (isDelayFault(rule.fault)) delayMs += delayOf(rule.fault, entry.jitterStream, counters.matches);
      else terminal = { ruleId: rule.id, type: rule.fault.type };
    }
    const enabled = isEnabled();
    return {
      enabled,
      reason: reason(),
      rules: explained,
      outcome: !enabled ? { delayMs: 0 } : terminal === undefined ? { delayMs } : { delayMs, terminal },
    };
  }

  function activateScenario(name: string, activation: { ttl?: string } = {}): Rule[] {
    const ttlMs = activation.ttl === undefined ? undefined : parseTtl(activation.ttl, 'ttl', maxTtlMs);
    const now = nowMs();
    const activated: Rule[] = [];
    for (const entry of live()) {
      if (entry.rule.scenario !== name) continue;
      const ttl = activation.ttl ?? entry.rule.ttl;
      const ms =
        ttlMs ?? (ttl === undefined ? Math.min(DEFAULT_TTL_MS, maxTtlMs) : parseTtl(ttl, 'ttl', maxTtlMs));
      const rule: Rule = {
        ...entry.rule,
        enabled: true,
        ...(ttl === undefined ? {} : { ttl }),
        expiresAt: new Date(now + ms).toISOString(),
      };
      // A fresh activation starts fresh: `after` and `times` count from it.
      activated.push(ruleView(rules.put(rule, true)));
    }
    if (activated.length > 0)
      changed(
        'scenario_activated',
        activated.map((r) => r.id),
      );
    return activated;
  }

  function deactivateScenario(name: string): Rule[] {
    const deactivated: Rule[] = [];
    for (const entry of live()) {
      if (entry.rule.scenario !== name) continue;
      deactivated.push(ruleView(rules.put({ ...entry.rule, enabled: false })));
    }
    if (deactivated.length > 0)
      changed(
        'scenario_deactivated',
        deactivated.map((r) => r.id),
      );
    return deactivated;
  }

  /** Refuses a change that would leave more than `maxRules` live rules (`replaced`: ones it drops). */
  function checkRoom(added: number, replaced = 0): void {
    rules.prune(nowMs());
    const wanted = rules.size - replaced + added;
    if (added > replaced && wanted > maxRules) throw new RuleLimitError(maxRules, wanted);
  }

  function applyScenario(name: string, scenarioRules: readonly Rule[]): Rule[] {
    const previous = live().filter((entry) => entry.rule.scenario === name);
    const incoming = new Set(scenarioRules.map((rule) => rule.id));
    checkRoom(scenarioRules.length, previous.length);
    const ids = new Set<string>();
    for (const entry of previous) {
      ids.add(entry.rule.id);
      if (!incoming.has(entry.rule.id)) rules.delete(entry.rule.id);
    }
    // Put anew: every rule of the file starts its counters at 0, as a fresh rule does.
    const views = scenarioRules.map((rule) => {
      ids.add(rule.id);
      return ruleView(rules.put(rule, true));
    });
    changed('scenario_applied', [...ids]);
    return views;
  }

  function removeScenario(name: string): Rule[] {
    const removed: Rule[] = [];
    for (const entry of live()) {
      if (entry.rule.scenario !== name) continue;
      removed.push(ruleView(entry));
      rules.delete(entry.rule.id);
    }
    if (removed.length > 0)
      changed(
        'scenario_removed',
        removed.map((rule) => rule.id),
      );
    return removed;
  }

  function activatePreset(name: string, presetOptions: PresetOptions = {}): Rule[] | undefined {
    if (!isPresetName(name)) return undefined;
    const parse = parseOptions();
    // Validate everything before touching the live set, so a bad option changes nothing.
    const materialised = PRESETS[name].rules(presetOptions).map((body) => parseRule(body, parse));
    checkRoom(materialised.length, rules.all().filter((entry) => entry.rule.scenario === name).length);
    for (const entry of rules.all()) if (entry.rule.scenario === name) rules.delete(entry.rule.id);
    const views = materialised.map((rule) => ruleView(rules.put(rule, true)));
    changed(
      'preset_activated',
      views.map((r) => r.id),
    );
    return views;
  }

  function status(): FaultEngineStatus {
    const now = nowMs();
    const entries = live();
    const scenarios = new Set<string>();
    let activeRules = 0;
    for (const { rule, counters, windowStartMs, windowEndMs } of entries) {
      if (rule.scenario !== undefined) scenarios.add(rule.scenario);
      const spent = rule.times !== undefined && counters.fired >= rule.times;
      if (rule.enabled && !spent && now >= windowStartMs && now < windowEndMs) activeRules += 1;
    }
    return {
      enabled: isEnabled(),
      reason: reason(),
      env: options.enabled,
      ...(configSwitch === undefined ? {} : { config: configSwitch }),
      killSwitch,
      rules: entries.length,
      activeRules,
      scenarios: scenarios.size,
      version,
    };
  }

  return {
    get version() {
      return version;
    },
    addRule(input) {
      const rule = parseRule(input, parseOptions());
      if (liveEntry(rule.id) !== undefined) throw new RuleConflictError(rule.id);
      checkRoom(1);
      const view = ruleView(rules.put(rule, true));
      changed('rule_added', [rule.id]);
      return view;
    },
    putRule(rule) {
      rules.put(rule);
      changed('rule_updated', [rule.id]);
    },
    getRule(id) {
      const entry = liveEntry(id);
      return entry === undefined ? undefined : ruleView(entry);
    },
    listRules(filter = {}) {
      return live()
        .filter(
          ({ rule }) =>
            (filter.scenario === undefined || rule.scenario === filter.scenario) &&
            (filter.point === undefined || rule.match.point === filter.point) &&
            (filter.enabled === undefined || rule.enabled === filter.enabled),
        )
        .map(ruleView);
    },
    updateRule(id, patch) {
      const entry = liveEntry(id);
      if (entry === undefined) return undefined;
      const rule = patchRule(ruleView(entry), patch, parseOptions());
      const view = ruleView(rules.put(rule));
      changed('rule_updated', [id]);
      return view;
    },
    removeRule(id) {
      const existed = liveEntry(id) !== undefined;
      rules.delete(id);
      if (existed) changed('rule_removed', [id]);
      return existed;
    },
    replaceAll(snapshot, state = {}) {
      const keep = new Set(snapshot.map((rule) => rule.id));
      for (const entry of rules.all()) if (!keep.has(entry.rule.id)) rules.delete(entry.rule.id);
      for (const rule of snapshot) rules.put(rule);
      if (state.killSwitch !== undefined) killSwitch = state.killSwitch;
      changed('rules_replaced', [...keep]);
    },
    listScenarios() {
      const byName = new Map<string, ScenarioSummary>();
      for (const { rule } of live()) {
        if (rule.scenario === undefined) continue;
        const summary = byName.get(rule.scenario) ?? {
          name: rule.scenario,
          rules: 0,
          enabledRules: 0,
          expiresAt: rule.expiresAt,
        };
        summary.rules += 1;
        if (rule.enabled) summary.enabledRules += 1;
        if (rule.expiresAt > summary.expiresAt) summary.expiresAt = rule.expiresAt;
        byName.set(rule.scenario, summary);
      }
      return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
    },
    applyScenario,
    removeScenario,
    activateScenario,
    deactivateScenario,
    presets() {
      return PRESET_NAMES.map((name) => ({
        name,
        description: PRESETS[name].description,
        options: PRESETS[name].options,
        rules: PRESETS[name].rules({}),
      }));
    },
    activatePreset,
    disableAll() {
      killSwitch = true;
      const ids = rules.all().map((entry) => entry.rule.id);
      rules.clear();
      changed('kill_switch', ids);
    },
    enable() {
      if (!killSwitch) return;
      killSwitch = false;
      changed('enabled');
    },
    setConfigSwitch(on) {
      if (on === configSwitch) return;
      configSwitch = on;
      changed('config_switch');
    },
    status,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    evaluate,
    armedAt(point, service) {
      return isEnabled() && rules.candidatesFor(point, service).size > 0;
    },
    evaluateWithHeader,
    hold(parts, signal) {
      return holds.hold(parts, signal);
    },
    explain,
    events(filter) {
      return hitLog.list(filter);
    },
  };
}

/** The default id of a rule posted without one: a digest of its content. */
function contentId(content: string): string {
  return `rule-${createHash('sha256').update(content).digest('hex').slice(0, 12)}`;
}

/** The one-off rule standing for an `x-mock-fault` header, for firings and `terminal.rule`. */
function headerRule(fault: Fault, event: FaultEvent, now: number): Rule {
  const instant = new Date(now).toISOString();
  return {
    id: HEADER_RULE_ID,
    enabled: true,
    priority: Number.MAX_SAFE_INTEGER,
    match: { point: event.point },
    fault,
    rate: 1,
    after: 0,
    every: 1,
    seed: 0,
    expiresAt: instant,
    createdAt: instant,
    hits: 1,
  };
}
