import { setTimeout as sleep } from 'node:timers/promises';
import type { QueueStats } from './ports.js';

/** How long `drain()` waits by default before giving up with an error. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 30_000;

/** The queue still had work when `drain()` gave up: names how much, so a stuck test says why. */
export class QueueDrainTimeoutError extends Error {
  override readonly name = 'QueueDrainTimeoutError';
}

/**
 * Polls `stats()` until nothing is pending, for adapters whose state lives elsewhere (Redis).
 * Bounded, so a queue with no consumer fails the caller instead of hanging it.
 */
export async function pollUntilDrained(
  stats: () => Promise<QueueStats>,
  options: { timeoutMs: number; intervalMs?: number; queueName: string },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const { pending } = await stats();
    if (pending === 0) return;
    if (Date.now() >= deadline) {
      throw new QueueDrainTimeoutError(
        `task queue ${options.queueName} still has ${pending} pending task(s) after ${options.timeoutMs} ms`,
      );
    }
    await sleep(options.intervalMs ?? 25);
  }
}
