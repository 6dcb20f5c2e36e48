import type { FaultEngine, FaultOutcome } from '../faults/engine.js';
import { type FaultOrigin, InjectedFault } from '../faults/injected-fault.js';
import type { FaultEvent } from '../faults/match.js';
import type { Fault, InjectionPoint, Rule } from '../faults/rule.js';
import { originAnswerForStatus } from '../origin/origin-answers.js';
import { type OriginAnswer, type OriginClient, OriginError, type OriginObject } from '../origin/ports.js';
import type { Clock } from '../runtime/clock.js';
import { S3_ERROR_STATUS } from '../s3/errors.js';
import { canDirty, dirtyObject } from './dirty-object.js';
import { firingsAt } from './fault-point.js';
import { OriginAnswerMemory } from './origin-answer-memory.js';

export interface OriginFaultOptions {
  /** The local bucket whose origin this client is (the event's `bucket`). */
  bucket: string;
  clock: Clock;
  /** The bytes of bodies kept for `stale` and `dirty other_object` (default `ORIGIN_MEMORY_BYTES`). */
  memoryBytes?: number;
}

/** A held `timeout` without `ms` lasts until the fetch gives up (its signal) or the rule goes. */
const UNTIL_RELEASED_MS = Number.MAX_SAFE_INTEGER;

/**
 * The `origin.fetch.before` / `origin.fetch.after` points around one bucket's origin client
 * (FAULTS.md, origin row). Each fetch is an event of service `origin`, operation `GetObject`, the
 * local bucket and the key; at `after`, `size` is the body's length. Every fault makes what a real
 * origin would have done, so the fallback meets it as it would the real failure:
 *
 * - before: `origin_unavailable` fails as a refused connection (`OriginError` unreachable);
 *   `timeout {ms?}` holds the fetch until its own timeout (its signal) or `ms`, then fails as a
 *   timeout; `throttle` over its rate answers as a throttling origin (SlowDown); `stale` answers
 *   what the origin answered before for the key, when that differs from its answer now (the origin
 *   is asked; nothing older remembered, or the same answer: no firing);
 * - after (the answer in hand): `slow_body` holds the answer `ceil(size / chunkBytes) * delayMs`,
 *   as a body dripping at that pace, cut short by the fetch's timeout; `dirty` serves wrong bytes
 *   (see `dirtyObject`), with no firing when it could change nothing;
 * - both: `latency` waits (cut short by the fetch's timeout, which then fails as one);
 *   `http_status` / `s3_error` answer as the origin would (`originAnswerForStatus`, as the origin
 *   clients map a real answer): 404 or NoSuchKey is "no such object", 429, 503 or SlowDown a
 *   throttling origin, anything else an error answer (`OriginError` status).
 *
 * Failures carry the `InjectedFault` as their cause; firings are recorded (on the active span: the
 * fetch's own) only when their effect happened. The client remembers the origin's recent answers,
 * bounded in bytes (`OriginAnswerMemory`), for `stale` and `other_object`.
 */
export function withOriginFaults(
  client: OriginClient,
  engine: FaultEngine,
  options: OriginFaultOptions,
): OriginClient {
  const memory = new OriginAnswerMemory(options.memoryBytes);
  const eventAt = (point: InjectionPoint, key: string): FaultEvent => ({
    service: 'origin',
    point,
    operation: 'GetObject',
    bucket: options.bucket,
    key,
  });

  /**
   * The fetch through `origin.fetch.before`; `asked`: the origin was asked (and `after` applies),
   * as opposed to an answer the fault made up.
   */
  async function before(key: string, signal: AbortSignal): Promise<{ answer: OriginAnswer; asked: boolean }> {
    const outcome = firingsAt(engine, eventAt('origin.fetch.before', key), (fault) =>
      fault.type === 'stale' ? memory.has(key) : true,
    );
    const terminal = outcome?.terminal;
    const stale = terminal?.fault.type === 'stale' ? terminal.pending : undefined;
    try {
      if (outcome !== undefined) await waitOut(outcome, signal);
      if (terminal !== undefined && terminal.fault.type !== 'stale') {
        const made = await injectedBefore(terminal.rule, terminal.fault, signal);
        if (made !== undefined) return { answer: made, asked: false };
      }
      const answer = await client.get(key, { signal });
      memory.remember(key, answer);
      const earlier = stale === undefined ? undefined : memory.previous(key, answer);
      if (earlier === undefined) {
        stale?.withdraw();
        return { answer, asked: true };
      }
      stale?.confirm();
      return { answer: earlier, asked: true };
    } catch (error) {
      // A fetch that failed before the stale answer could be served: no effect, no firing.
      stale?.withdraw();
      throw error;
    }
  }

  /** The answer of a terminal fault at `before`; undefined: the fetch goes on (a type inert here). */
  async function injectedBefore(
    rule: Rule,
    fault: Fault,
    signal: AbortSignal,
  ): Promise<OriginAnswer | undefined> {
    const origin = originOf(rule, 'origin.fetch.before');
    const cause = new InjectedFault(origin, fault);
    switch (fault.type) {
      case 'origin_unavailable':
        throw new OriginError(
          'unreachable',
          `connection refused (${injected(fault, origin)})`,
          {},
          { cause },
        );
      case 'timeout':
        // Released early (the rule went), it still fails as a timeout, as at `http.client`.
        await engine.hold([{ ruleId: rule.id, ms: fault.ms ?? UNTIL_RELEASED_MS }], signal);
        throw new OriginError('timeout', `no answer (${injected(fault, origin)})`, {}, { cause });
      case 'throttle':
        throw new OriginError(
          'throttled',
          `origin answered 503 SlowDown (${injected(fault, origin)})`,
          { status: 503, code: 'SlowDown' },
          { cause },
        );
      default:
        return injectedAnswer(fault, origin);
    }
  }

  async function after(key: string, answer: OriginAnswer, signal: AbortSignal): Promise<OriginAnswer> {
    const size = answer.found ? answer.object.body.length : 0;
    /** The other object each `other_object` rule asked would serve (the engine asks before it decides). */
    const others = new Map<Fault, OriginObject | undefined>();
    const event: FaultEvent = { ...eventAt('origin.fetch.after', key), ...(answer.found ? { size } : {}) };
    const outcome = firingsAt(engine, event, (fault) => {
      switch (fault.type) {
        case 'slow_body':
          return size > 0 && fault.delayMs > 0;
        case 'dirty': {
          if (!answer.found) return false;
          const other =
            fault.mode === 'other_object' ? memory.otherObject(key, answer.object.body) : undefined;
          others.set(fault, other);
          return canDirty(answer.object, fault, other);
        }
        default:
          return true;
      }
    });
    if (outcome === undefined) return answer;
    await waitOut(outcome, signal);
    const terminal = outcome.terminal;
    if (terminal === undefined) return answer;
    const { rule, fault } = terminal;
    const origin = originOf(rule, 'origin.fetch.after');
    switch (fault.type) {
      case 'slow_body': {
        const ms = Math.ceil(size / fault.chunkBytes) * fault.delayMs;
        await engine.hold([{ ruleId: rule.id, ms }], signal);
        if (signal.aborted) {
          throw new OriginError(
            'timeout',
            `body not complete in time (${injected(fault, origin)})`,
            {},
            {
              cause: new InjectedFault(origin, fault),
            },
          );
        }
        return answer;
      }
      case 'dirty': {
        const object = answer.found ? dirtyObject(answer.object, fault, others.get(fault)) : undefined;
        return object === undefined ? answer : { found: true, object };
      }
      default:
        return injectedAnswer(fault, origin) ?? answer;
    }
  }

  return {
    async get(key, { signal }) {
      const { answer, asked } = await before(key, signal);
      return asked ? after(key, answer, signal) : answer;
    },
    close: () => client.close(),
  };
}

/** Waits out the delays that fired; a fetch whose timeout comes first fails as a timeout. */
async function waitOut(outcome: FaultOutcome, signal: AbortSignal): Promise<void> {
  if (outcome.delayMs <= 0) return;
  await outcome.waitDelay(signal);
  if (!signal.aborted) return;
  const rules = outcome.firings.map((firing) => firing.ruleId).join(', ');
  throw new OriginError('timeout', `no answer in time (held by injected latency, rule ${rules})`);
}

/**
 * What the origin answers for an injected `http_status` or `s3_error`: 404 or NoSuchKey is no such
 * object; 429, 503 or SlowDown a throttling origin; any other an error answer.
 */
function injectedAnswer(fault: Fault, origin: FaultOrigin): OriginAnswer | undefined {
  let status: number;
  let code: string | undefined;
  if (fault.type === 'http_status') status = fault.status;
  else if (fault.type === 's3_error') {
    status = S3_ERROR_STATUS[fault.code];
    code = fault.code;
  } else {
    // Only the types FAULT_POINTS allows at the origin points get here; anything else is inert.
    return undefined;
  }
  const message = fault.type === 's3_error' && fault.message !== undefined ? `: ${fault.message}` : '';
  // The origin clients' own mapping of an answer other than 200, so an injected one reads the same.
  return originAnswerForStatus(
    status,
    code,
    `(${injected(fault, origin)}${message})`,
    new InjectedFault(origin, fault),
  );
}

function originOf(rule: Rule, point: InjectionPoint): FaultOrigin {
  return { ruleId: rule.id, scenario: rule.scenario, point };
}

function injected(fault: Fault, origin: FaultOrigin): string {
  return `injected ${fault.type} at ${origin.point} by rule ${origin.ruleId}`;
}
