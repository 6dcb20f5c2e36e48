import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultEngine } from '../faults/engine.js';
import type { FaultOrigin } from '../faults/injected-fault.js';
import type { FaultEvent } from '../faults/match.js';
import type { Fault, Rule } from '../faults/rule.js';
import { currentRequestFacts } from './request-scope.js';

export interface TerminalFault {
  fault: Fault;
  origin: FaultOrigin;
  rule: Rule;
}

/**
 * Asks the engine at an injection point, with the facts of the request in progress added to the
 * event; waits out the delays that fired and returns the terminal fault, if one fired, for the
 * caller (the layer that owns the point) to apply. When no rule targets the point (or the engine
 * is off) the facts are not even read: see `armedAt` for hooks that skip the call altogether.
 */
export async function faultAt(engine: FaultEngine, event: FaultEvent): Promise<TerminalFault | undefined> {
  if (!engine.armedAt(event.point, event.service)) return undefined;
  const facts = currentRequestFacts();
  // Assignments, not spreads: this runs at every armed point of every request.
  let full = event;
  if (facts) {
    const merged: Partial<FaultEvent> = {};
    if (facts.operation !== undefined) merged.operation = facts.operation;
    if (facts.bucket !== undefined) merged.bucket = facts.bucket;
    if (facts.key !== undefined) merged.key = facts.key;
    if (facts.requestId !== undefined) merged.requestId = facts.requestId;
    full = Object.assign(merged, event);
  }
  const outcome = engine.evaluate(full);
  if (outcome.delayMs > 0) await sleep(outcome.delayMs);
  if (!outcome.terminal) return undefined;
  const { rule, fault } = outcome.terminal;
  return { fault, rule, origin: { ruleId: rule.id, scenario: rule.scenario, point: event.point } };
}
