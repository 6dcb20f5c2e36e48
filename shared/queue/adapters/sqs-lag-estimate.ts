/**
 * An estimate of the age of the oldest pending task on an SQS queue, for `QueueStats.lagMs`.
 *
 * SQS has no API that tells a message's age without receiving it (receiving would count as a
 * delivery attempt); the real figure is CloudWatch's `ApproximateAgeOfOldestMessage`, which moto
 * does not provide. So each process estimates from what it saw itself: the send time of the
 * messages it is handling now, and the publish times of its own newest `pending` messages
 * (a standard queue is roughly first in, first out, so those are the ones most likely still
 * waiting). Exact with one publisher-consumer process; with several it can be too low (a backlog
 * published elsewhere) or somewhat too high (own tasks already taken by another consumer).
 */
export class OldestPendingEstimate {
  /** Publish times of this process's tasks, oldest first, at most `maxRemembered`. */
  readonly #published: number[] = [];
  /** Send times of the messages this process is handling now, by message id. */
  readonly #handling = new Map<string, number>();
  readonly #maxRemembered: number;

  constructor(maxRemembered = 10_000) {
    this.#maxRemembered = maxRemembered;
  }

  published(atMs: number): void {
    this.#published.push(atMs);
    if (this.#published.length > this.#maxRemembered) this.#published.shift();
  }

  handling(messageId: string, sentAtMs: number): void {
    this.#handling.set(messageId, sentAtMs);
  }

  handled(messageId: string): void {
    this.#handling.delete(messageId);
  }

  /** The estimated age in ms of the oldest of `pending` tasks (0 when none is pending or none is known). */
  lagMs(pending: number, nowMs: number): number {
    // Only the newest `pending` publishes can still be waiting; older ones are forgotten for good.
    this.#published.splice(0, Math.max(0, this.#published.length - pending));
    if (pending === 0) return 0;
    let oldest = this.#published[0] ?? Number.POSITIVE_INFINITY;
    for (const sentAt of this.#handling.values()) oldest = Math.min(oldest, sentAt);
    return Number.isFinite(oldest) ? Math.max(0, nowMs - oldest) : 0;
  }
}
