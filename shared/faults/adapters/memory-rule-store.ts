import type { Rule } from '../rule.js';
import type { RuleStore } from '../rule-store.js';

/** A `RuleStore` in memory, for tests and single-process use; rules are copied in and out. */
export function createMemoryRuleStore(initial: readonly Rule[] = []): RuleStore {
  const rules = new Map<string, Rule>(initial.map((rule) => [rule.id, structuredClone(rule)]));
  return {
    async load() {
      return [...rules.values()].map((rule) => structuredClone(rule));
    },
    async save(rule) {
      rules.set(rule.id, structuredClone(rule));
    },
    async remove(id) {
      rules.delete(id);
    },
    async clear() {
      rules.clear();
    },
  };
}
