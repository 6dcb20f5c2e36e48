/**
 * Follows the hit log of the drill's rules (`GET /api/v1/injection/events?scenario=...`) once a
 * second: the control plane keeps only the newest 1000 firings, so a drill that waited for the end
 * would lose the early ones. Firings are deduplicated across polls and timed from the load's start.
 */
import { sendControl } from '../../cli/control-client.js';
import type { Firing } from '../types.js';

const POLL_MS = 1_000;
const REQUEST_TIMEOUT_MS = 3_000;

interface RawFiring {
  readonly time: string;
  readonly ruleId: string;
  readonly scenario?: string;
  readonly point: string;
  readonly type: string;
  readonly requestId?: string;
  readonly [field: string]: unknown;
}

/** Maps one event of the hit log to a Firing (atMs from the load's start). */
export function toFiring(event: RawFiring, startedAtEpochMs: number): Firing {
  return {
    ruleId: event.ruleId,
    ...(event.scenario === undefined ? {} : { scenario: event.scenario }),
    point: event.point,
    type: event.type,
    ...(event.requestId === undefined ? {} : { requestId: event.requestId }),
    atMs: Date.parse(event.time) - startedAtEpochMs,
    raw: event,
  };
}

/**
 * Starts following; `stop()` polls one last time and resolves with every firing seen, oldest first.
 */
export function followHitLog(
  admin: string,
  scenario: string,
  startedAtEpochMs: number,
): { stop(): Promise<readonly Firing[]> } {
  const seen = new Map<string, Firing>();
  let inFlight: Promise<void> = Promise.resolve();
  const poll = async (): Promise<void> => {
    try {
      const answer = (await sendControl(
        admin,
        { method: 'GET', path: '/events', query: { scenario } },
        AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      )) as { events?: RawFiring[] };
      for (const event of answer.events ?? []) {
        // Events have no id: the whole event (time, rule, request, process...) is its identity.
        const key = JSON.stringify(event);
        if (!seen.has(key)) seen.set(key, toFiring(event, startedAtEpochMs));
      }
    } catch {
      // A control plane that does not answer for a second (a backend restarting) is polled again.
    }
  };
  const timer = setInterval(() => {
    inFlight = inFlight.then(poll);
  }, POLL_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      inFlight = inFlight.then(poll);
      await inFlight;
      return [...seen.values()].sort((a, b) => a.atMs - b.atMs);
    },
  };
}
