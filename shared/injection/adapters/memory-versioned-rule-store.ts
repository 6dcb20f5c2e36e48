import type { Rule } from '../../faults/rule.js';
import type { FaultStateMutation, VersionedRuleStore } from '../versioned-rule-store.js';

/**
 * A `VersionedRuleStore` in memory: several engines of one process (tests) can share it as
 * instances share the database. Rules are copied in and out.
 */
export function createMemoryVersionedRuleStore(initial: readonly Rule[] = []): VersionedRuleStore {
  const rules = new Map<string, Rule>(initial.map((rule) => [rule.id, structuredClone(rule)]));
  let killSwitch = false;
  let version = 0;

  function commitNow(mutation: FaultStateMutation): number {
    if (mutation.clear) rules.clear();
    for (const id of mutation.remove ?? []) rules.delete(id);
    for (const rule of mutation.save ?? []) rules.set(rule.id, structuredClone(rule));
    if (mutation.killSwitch !== undefined) killSwitch = mutation.killSwitch;
    version += 1;
    return version;
  }

  return {
    async load() {
      return [...rules.values()].map((rule) => structuredClone(rule));
    },
    async save(rule) {
      commitNow({ save: [rule] });
    },
    async remove(id) {
      commitNow({ remove: [id] });
    },
    async clear() {
      commitNow({ clear: true });
    },
    async snapshot() {
      return { rules: [...rules.values()].map((rule) => structuredClone(rule)), killSwitch, version };
    },
    async version() {
      return version;
    },
    async commit(mutation) {
      return commitNow(mutation);
    },
  };
}
