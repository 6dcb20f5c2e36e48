import { setTimeout as sleep } from 'node:timers/promises';
import { integerParam } from '../admin/internal-api.js';
import {
  type ControlRequest,
  type ControlResponse,
  objectBody,
  refuseUnknownFields,
} from '../injection/request.js';

/** The longest a drain request holds its caller (the Lambda and the gateway time out long after). */
const MAX_DRAIN_WAIT_MS = 30_000;
const DEFAULT_DRAIN_WAIT_MS = 5_000;

/** GET /api/v1/async/queue: pending tasks, the age of the oldest, dead letters. */
export async function queueStats({ runtime }: ControlRequest): Promise<ControlResponse> {
  return { status: 200, body: await runtime.views.queue.stats() };
}

/**
 * POST /api/v1/async/drain?waitMs=N: waits until every published task has been handled (or
 * dead-lettered), at most `waitMs`; answers 200 either way with `drained` and the queue stats.
 */
export async function drainQueue({ runtime, query, body }: ControlRequest): Promise<ControlResponse> {
  refuseUnknownFields(objectBody(body, true), []);
  const waitMs = integerParam(query, 'waitMs', DEFAULT_DRAIN_WAIT_MS, MAX_DRAIN_WAIT_MS);
  const { queue } = runtime.services;
  const timer = new AbortController();
  const drained = await Promise.race([
    queue.drain().then(
      () => true,
      // An adapter's own drain timeout says the same as ours: not drained yet.
      () => false,
    ),
    sleep(waitMs, false, { signal: timer.signal }).catch(() => false),
  ]);
  timer.abort();
  return { status: 200, body: { drained, queue: await runtime.views.queue.stats() } };
}
