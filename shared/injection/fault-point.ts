import type { PendingFiring } from '../faults/deferred-firing.js';
import type { EffectPossible, FaultEngine, FaultOutcome } from '../faults/engine.js';
import type { FaultOrigin } from '../faults/injected-fault.js';
import type { FaultEvent } from '../faults/match.js';
import type { Fault, InjectionPoint, Rule } from '../faults/rule.js';
import { currentRequestFacts } from './request-scope.js';

export interface TerminalFault {
  fault: Fault;
  origin: FaultOrigin;
  rule: Rule;
  /** A firing the caller must confirm or withdraw once it knows the effect (`isDeferredFault`). */
  pending?: PendingFiring;
}

/**
 * Asks the engine at an injection point, with the facts of the request in progress added to the
 * event; waits out the delays that fired and returns the terminal fault, if one fired, for the
 * caller (the layer that owns the point) to apply. When no rule targets the point (or the engine
 * is off) the facts are not even read: see `armedAt` for hooks that skip the call altogether.
 * `event` must be the caller's own object (see `firingsAt`).
 */
export async function faultAt(engine: FaultEngine, event: FaultEvent): Promise<TerminalFault | undefined> {
  const outcome = firingsAt(engine, event);
  return outcome === undefined ? undefined : settle(outcome, event.point);
}

/**
 * The synchronous half of `faultAt`: the engine's outcome at the point, or undefined when nothing
 * fired (a deferred terminal fault, whose firing waits for its effect, counts as something). A hot path (every GET reads a blob) that gets undefined goes on without an await.
 * `event` must be the caller's own object: the request's facts are written into it. `effectPossible`
 * passes over the rules whose fault could change nothing for this event (see `EffectPossible`).
 */
export function firingsAt(
  engine: FaultEngine,
  event: FaultEvent,
  effectPossible?: EffectPossible,
): FaultOutcome | undefined {
  if (!engine.armedAt(event.point, event.service)) return undefined;
  const facts = currentRequestFacts();
  // The request's facts fill what the event leaves out, in the event itself (every caller passes
  // a fresh literal): this runs at every armed point of every request.
  if (facts) {
    if (event.operation === undefined && facts.operation !== undefined) event.operation = facts.operation;
    if (event.bucket === undefined && facts.bucket !== undefined) event.bucket = facts.bucket;
    if (event.key === undefined && facts.key !== undefined) event.key = facts.key;
    if (event.requestId === undefined && facts.requestId !== undefined) event.requestId = facts.requestId;
  }
  const outcome = engine.evaluate(event, effectPossible);
  return outcome.firings.length === 0 && outcome.terminal === undefined ? undefined : outcome;
}

/**
 * The asynchronous half of `faultAt`: waits out the delays (cut short when their rules go: the
 * kill switch, a deletion, an expiry), then names the terminal fault.
 */
export async function settle(
  outcome: FaultOutcome,
  point: InjectionPoint,
): Promise<TerminalFault | undefined> {
  if (outcome.delayMs > 0) await outcome.waitDelay();
  if (!outcome.terminal) return undefined;
  const { rule, fault, pending } = outcome.terminal;
  const origin = { ruleId: rule.id, scenario: rule.scenario, point };
  return pending === undefined ? { fault, rule, origin } : { fault, rule, origin, pending };
}
