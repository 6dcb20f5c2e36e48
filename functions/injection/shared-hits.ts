/**
 * The `hits` the control plane shows. In stack mode every process (both instances, the front, the
 * workers) fires on its own engine, so a rule's own counter holds only this instance's firings;
 * the shared hit log counts every process's per rule, and the views read that. The engine's
 * counters still decide `times`, `after` and `every` locally. Embedded mode shows the engine's.
 */
import type { Rule } from '../../shared/faults/rule.js';
import type { Runtime } from '../../shared/runtime/runtime.js';

/** `rules` with the hits of every process (one HMGET); as they are without a shared hit log. */
export async function withSharedHits(runtime: Runtime, rules: Rule[]): Promise<Rule[]> {
  const log = runtime.sharedHitLog;
  if (log === undefined || rules.length === 0) return rules;
  try {
    const hits = await log.hits(rules.map((rule) => rule.id));
    return rules.map((rule) => ({ ...rule, hits: hits.get(rule.id) ?? 0 }));
  } catch (error) {
    // A view without Redis still answers, with this instance's counts.
    runtime.logger.warn('shared rule hits unavailable; showing this instance counts', { error });
    return rules;
  }
}

/** One rule with the hits of every process. */
export async function withSharedHit(runtime: Runtime, rule: Rule): Promise<Rule> {
  const [shown] = await withSharedHits(runtime, [rule]);
  return shown!;
}

/**
 * Zeroes the shared counts of `ruleIds` (all rules when omitted) where the engine drops or resets
 * its own: a rule removed or re-created, a fresh scenario or preset activation, the kill switch.
 * Awaited before the answer, so a rule re-created under the same id starts at 0. A failure is
 * logged, not answered: the change itself is already made.
 */
export async function resetSharedHits(runtime: Runtime, ruleIds?: readonly string[]): Promise<void> {
  const log = runtime.sharedHitLog;
  if (log === undefined) return;
  try {
    await log.resetHits(ruleIds);
  } catch (error) {
    runtime.logger.warn('shared rule hits not reset', { error, rules: ruleIds?.length ?? 'all' });
  }
}
