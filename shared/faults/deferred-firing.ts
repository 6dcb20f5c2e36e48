/**
 * Firings whose effect is decided after the engine said "fire": the engine knows the rule fired,
 * only the layer that owns the fault knows whether anything changed (`stale_read` with no older
 * version to serve, `list_lag` with nothing young enough to hide, `cache_stale` with no previous
 * value, `capacity` with a write that still fits, `stale` when the origin's answer is the one
 * remembered). Such a firing is recorded (hit log, metric, span, log line) only once confirmed, so the
 * hit log never claims an effect that did not happen (FAULTS.md: "a firing is logged only when
 * that effect happened").
 */
import type { Firing } from './hit-log.js';
import type { Fault } from './rule.js';

/** Faults whose effect their owner decides later: see `PendingFiring`. */
export const DEFERRED_FAULT_TYPES = [
  'list_lag',
  'read_after_write_miss',
  'stale_read',
  'cache_stale',
  'capacity',
  'stale',
] as const;

/** Tells whether a fault's firing waits for its owner to confirm the effect. */
export function isDeferredFault(fault: Fault): boolean {
  return (DEFERRED_FAULT_TYPES as readonly string[]).includes(fault.type);
}

/** A firing decided by the engine and not yet recorded. The first of `confirm`/`withdraw` wins. */
export interface PendingFiring {
  readonly ruleId: string;
  readonly state: 'pending' | 'confirmed' | 'withdrawn';
  /** The effect happened: the firing is recorded now. */
  confirm(): void;
  /** The effect did not happen: nothing is recorded, and the rule's `times` gets the firing back. */
  withdraw(): void;
}

/**
 * A pending firing of `ruleId`: `record` records it (on confirmation), `giveBack` undoes the
 * rule's firing count (on withdrawal).
 */
export function deferFiring(ruleId: string, record: () => Firing, giveBack: () => void): PendingFiring {
  let state: PendingFiring['state'] = 'pending';
  return {
    ruleId,
    get state() {
      return state;
    },
    confirm() {
      if (state !== 'pending') return;
      state = 'confirmed';
      record();
    },
    withdraw() {
      if (state !== 'pending') return;
      state = 'withdrawn';
      giveBack();
    },
  };
}
