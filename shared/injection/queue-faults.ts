import type { FaultEngine, FaultOutcome } from '../faults/engine.js';
import type { Task, TaskHandler, TaskQueue } from '../queue/ports.js';
import { type Logger, silentLogger } from '../telemetry/logger.js';
import { faultAt, firingsAt, settle, type TerminalFault } from './fault-point.js';

/** How long `reorder`ed messages wait for a next one to overtake them. */
const REORDER_HOLD_MS = 200;

export interface QueueFaultsOptions {
  /** Says what happened to delayed or held tasks at close. */
  logger?: Logger;
}

/** A publish postponed by `delay`: `fire` sends it now (at most once); `sent` settles after. */
interface LatePublish {
  timer: NodeJS.Timeout;
  fire: () => Promise<void>;
  sent: Promise<void>;
}

/**
 * The task queue's points: `queue.publish` (a message lost, duplicated, delayed, poisoned or
 * overtaken by the next one) and `queue.consume` (the same, seen by the worker). Publishing
 * resolves at once for a dropped or delayed message: the producer believes it was sent, and the
 * request that published it is not held (`latency` at `queue.publish` is what holds it).
 *
 * A delayed message still waiting at `close()` is published then, early, and logged as such: the
 * producer was told it was sent, so it is not lost with the process. `drain()` waits for delayed
 * messages; `stats().pending` counts them and the held `reorder`ed ones.
 */
export function withQueueFaults(
  queue: TaskQueue,
  engine: FaultEngine,
  options: QueueFaultsOptions = {},
): TaskQueue {
  const logger = options.logger ?? silentLogger;
  const late = new Set<LatePublish>();
  // Reordered messages, oldest first; released newest first, so each is overtaken by the next.
  let held: Task[] = [];
  let holdTimer: NodeJS.Timeout | undefined;

  const publishQuietly = (task: Task, why: string) =>
    queue.publish(task).catch((error: unknown) => {
      logger.warn(`could not publish ${why} task; reconcile will heal`, { task: task.type, error });
    });

  async function releaseHeld(): Promise<void> {
    if (holdTimer !== undefined) clearTimeout(holdTimer);
    holdTimer = undefined;
    const tasks = held.reverse();
    held = [];
    for (const task of tasks) await publishQuietly(task, 'reordered');
  }

  function hold(task: Task): void {
    held.push(task);
    holdTimer ??= setTimeout(() => void releaseHeld(), REORDER_HOLD_MS).unref();
  }

  function publishLate(ms: number, send: () => Promise<void>): void {
    let fired = false;
    let markSent!: () => void;
    const entry: LatePublish = {
      timer: setTimeout(() => void entry.fire(), ms).unref(),
      sent: new Promise<void>((resolve) => {
        markSent = resolve;
      }),
      fire: () => {
        clearTimeout(entry.timer);
        if (!fired) {
          fired = true;
          void send()
            .catch((error: unknown) => logger.warn('could not publish delayed task', { error }))
            .finally(() => {
              late.delete(entry);
              markSent();
            });
        }
        return entry.sent;
      },
    };
    late.add(entry);
  }

  /** What the publisher's message becomes once the rules at `queue.publish` have spoken. */
  async function publishWith(task: Task, hit: TerminalFault | undefined): Promise<void> {
    switch (hit?.fault.type) {
      case 'drop':
        return;
      case 'duplicate':
        for (let copy = 0; copy < hit.fault.copies; copy++) await queue.publish(task);
        break;
      case 'dead_letter':
        await queue.publish({ ...task, poisonedBy: hit.origin.ruleId });
        await releaseHeld();
        return;
      case 'reorder':
        hold(task);
        return;
    }
    await queue.publish(task);
    await releaseHeld();
  }

  return {
    ...queue,
    async publish(task) {
      const outcome = firingsAt(engine, { service: 'async', point: 'queue.publish', operation: task.type });
      if (outcome === undefined) return publishWith(task, undefined);
      // `delay` postpones the message, not the caller; other delays (`latency`) hold the caller.
      const lateMs = lateDelayOf(outcome);
      const hit = await settle({ ...outcome, delayMs: outcome.delayMs - lateMs }, 'queue.publish');
      if (lateMs === 0) return publishWith(task, hit);
      publishLate(lateMs, () => publishWith(task, hit));
    },
    consume(handler: TaskHandler) {
      queue.consume(async (delivery) => {
        const { poisonedBy, reordered } = delivery.task;
        if (poisonedBy !== undefined)
          throw new Error(`poisoned task (injected dead_letter, rule ${poisonedBy})`);
        // A copy sent to the back of the queue already met this point once.
        if (reordered) return handler(delivery);
        const hit = await faultAt(engine, {
          service: 'async',
          point: 'queue.consume',
          operation: delivery.task.type,
        });
        switch (hit?.fault.type) {
          case 'drop':
            return;
          case 'duplicate':
            for (let copy = 0; copy < hit.fault.copies; copy++) await handler(delivery);
            break;
          case 'dead_letter':
            // The queue would redeliver the original untouched (a new object, maybe to another
            // process): it is replaced by a poisoned copy, and the original acknowledged.
            await queue.publish({ ...delivery.task, poisonedBy: hit.origin.ruleId });
            return;
          case 'reorder':
            // Sent to the back of the queue and the original acknowledged: every delivery already
            // queued overtakes it, whatever the consumer's concurrency.
            await queue.publish({ ...delivery.task, reordered: true });
            return;
        }
        return handler(delivery);
      });
    },
    async stats() {
      const stats = await queue.stats();
      return { ...stats, pending: stats.pending + late.size + held.length };
    },
    async drain() {
      // Each delayed message at its own time (bounded by the rule's `ms`), then the queue itself.
      while (late.size > 0) await Promise.all([...late].map((entry) => entry.sent));
      await releaseHeld();
      return queue.drain();
    },
    async close() {
      const early = late.size + held.length;
      if (early > 0)
        logger.warn('task queue closing: delayed and reordered tasks published now', { tasks: early });
      await releaseHeld();
      await Promise.all([...late].map((entry) => entry.fire()));
      return queue.close();
    },
  };
}

/** The part of an outcome's delay that comes from `delay` faults (the message's, not the caller's). */
function lateDelayOf(outcome: FaultOutcome): number {
  let ms = 0;
  for (const firing of outcome.firings) if (firing.type === 'delay') ms += firing.delayMs ?? 0;
  return ms;
}
