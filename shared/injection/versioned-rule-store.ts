/**
 * The rule store the propagation layer works over: the rules, the kill switch, and a version that
 * every committed change bumps, so an instance can tell whether its snapshot is current.
 */
import type { Rule } from '../faults/rule.js';
import type { RuleStore } from '../faults/rule-store.js';

/** Everything an instance needs to rebuild its engine, read at one instant. */
export interface FaultStateSnapshot {
  rules: Rule[];
  killSwitch: boolean;
  version: number;
}

/** One change, applied atomically: `clear` first, then `remove`, then `save`, then the switch. */
export interface FaultStateMutation {
  clear?: boolean;
  remove?: readonly string[];
  save?: readonly Rule[];
  killSwitch?: boolean;
}

export interface VersionedRuleStore extends RuleStore {
  /** The rules and the kill switch with the version they are at. */
  snapshot(): Promise<FaultStateSnapshot>;
  /** The current version alone (the cheap heal check). */
  version(): Promise<number>;
  /** Applies a mutation and bumps the version in one transaction; returns the new version. */
  commit(mutation: FaultStateMutation): Promise<number>;
}

/**
 * The state after `mutation`, computed the way the store commits it (clear, remove, save, switch),
 * so an instance that holds the state at version N and hears mutation N+1 reaches N+1 without
 * reading the store. `state` is not modified.
 */
export function applyMutation(
  state: { rules: ReadonlyMap<string, Rule>; killSwitch: boolean },
  mutation: FaultStateMutation,
): { rules: Map<string, Rule>; killSwitch: boolean } {
  const rules = mutation.clear ? new Map<string, Rule>() : new Map(state.rules);
  for (const id of mutation.remove ?? []) rules.delete(id);
  for (const rule of mutation.save ?? []) rules.set(rule.id, rule);
  return { rules, killSwitch: mutation.killSwitch ?? state.killSwitch };
}
