/**
 * Where rules are kept durably (PostgreSQL, PGlite; in memory for tests). The engine holds the
 * live snapshot; a propagation layer loads the store into it with `replaceAll`.
 */
import type { Rule } from './rule.js';

export interface RuleStore {
  /** Every stored rule (expired ones may still be there; the engine ignores them). */
  load(): Promise<Rule[]>;
  /** Inserts or replaces a rule by id. */
  save(rule: Rule): Promise<void>;
  remove(id: string): Promise<void>;
  clear(): Promise<void>;
}
