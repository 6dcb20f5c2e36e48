/**
 * Whether a matching rule fires on its `matchIndex`-th match, and how long a delay fault waits:
 * pure functions of the rule and the index, so `explain` can ask without consuming anything.
 */
import { draw } from './random.js';
import type { Fault, Rule } from './rule.js';

/** Why a match fires or passes: `after` (still in the first N), `every` (not an Nth), `rate`. */
export type Decision = 'fire' | 'after' | 'every' | 'rate';

/** Decides the `matchIndex`-th match (0-based) of a rule whose draw stream is `stream`. */
export function decideFiring(rule: Rule, stream: number, matchIndex: number): Decision {
  if (matchIndex < rule.after) return 'after';
  if ((matchIndex - rule.after) % rule.every !== 0) return 'every';
  if (rule.rate >= 1) return 'fire';
  return draw(stream, matchIndex) < rule.rate ? 'fire' : 'rate';
}

/**
 * The delay a delay-type fault adds; `latency` draws its jitter uniformly in `ms ± jitterMs`
 * from its own stream, never below zero. Other faults add nothing.
 */
export function delayOf(fault: Fault, jitterStream: number, matchIndex: number): number {
  switch (fault.type) {
    case 'latency': {
      const jitter = fault.jitterMs ?? 0;
      if (jitter === 0) return fault.ms;
      const offset = (draw(jitterStream, matchIndex) * 2 - 1) * jitter;
      return Math.max(0, Math.round(fault.ms + offset));
    }
    case 'db_latency':
    case 'io_latency':
    case 'delay':
      return fault.ms;
    default:
      return 0;
  }
}
