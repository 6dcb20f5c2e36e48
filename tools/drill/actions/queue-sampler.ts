/**
 * Samples the task queue's pending count (`GET /api/v1/async/queue`) once a second: the server's
 * own say, for the `queue_pending` probe and the report's server series.
 */
import { sendControl } from '../../cli/control-client.js';

const SAMPLE_MS = 1_000;
const REQUEST_TIMEOUT_MS = 2_000;

export interface QueueSample {
  /** Ms from the load's start. */
  readonly t: number;
  readonly value: number;
}

/** Starts sampling (nothing without a control plane); `stop()` returns the samples, oldest first. */
export function sampleQueue(
  admin: string | undefined,
  startedAtEpochMs: number,
  now: () => number = Date.now,
): { stop(): readonly QueueSample[] } {
  const samples: QueueSample[] = [];
  if (admin === undefined) return { stop: () => samples };
  let stopped = false;
  let busy = false;
  const sample = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    const askedAt = now();
    try {
      const answer = (await sendControl(
        admin,
        { method: 'GET', path: '/api/v1/async/queue' },
        AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      )) as { pending?: unknown };
      if (!stopped && typeof answer.pending === 'number') {
        samples.push({ t: askedAt - startedAtEpochMs, value: answer.pending });
      }
    } catch {
      // No sample for a second the control plane did not answer: a gap, not a zero.
    } finally {
      busy = false;
    }
  };
  void sample();
  const timer = setInterval(() => void sample(), SAMPLE_MS);
  timer.unref();
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
      return [...samples];
    },
  };
}
