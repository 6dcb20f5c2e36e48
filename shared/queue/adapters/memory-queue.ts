import { type Clock, systemClock } from '../../runtime/clock.js';
import { type Logger, silentLogger } from '../../telemetry/logger.js';
import { DEFAULT_DRAIN_TIMEOUT_MS, QueueDrainTimeoutError } from '../drain.js';
import { InFlightHandlers } from '../in-flight.js';
import {
  DEFAULT_TASK_CONCURRENCY,
  type Delivery,
  type QueueStats,
  type Task,
  type TaskHandler,
  type TaskQueue,
} from '../ports.js';

export interface MemoryQueueOptions {
  /** Deliveries per task before it goes to the dead letters (1 = no redelivery). */
  maxAttempts: number;
  /** Delay before the second delivery; doubles with each further one, capped at 30 s. Default 100 ms. */
  retryDelayMs?: number;
  /** Handlers running at once. Default {@link DEFAULT_TASK_CONCURRENCY}. */
  concurrency?: number;
  /** How long `close()` waits for running handlers. Default 5000 ms. */
  shutdownGraceMs?: number;
  /** Dead letters kept for inspection (all are counted). Default 1000. */
  maxDeadLetters?: number;
  clock?: Clock;
  logger?: Logger;
}

/** A task that failed every attempt. */
export interface DeadLetter {
  id: string;
  task: Task;
  attempts: number;
  error: string;
  deadAt: Date;
}

export interface MemoryTaskQueue extends TaskQueue {
  /** Rejects with `QueueDrainTimeoutError` after `timeoutMs` (default 30 s). */
  drain(timeoutMs?: number): Promise<void>;
  /** The most recent dead letters, oldest first. */
  deadLetters(): readonly DeadLetter[];
}

interface Envelope {
  id: string;
  task: Task;
  attempt: number;
  publishedAtMs: number;
}

const MAX_RETRY_DELAY_MS = 30_000;

/**
 * The in-process task queue of embedded mode: FIFO delivery to at most `concurrency` handlers,
 * redelivery with exponential backoff when a handler throws, dead letters after `maxAttempts`.
 *
 * Nothing is persisted: tasks published and not yet handled are lost when the process stops. That is
 * accepted because the periodic reconcile pass (replica repair, orphan collection) heals what a lost
 * `upload_completed` or `delete_from_storage` would have done.
 */
export function createMemoryQueue(options: MemoryQueueOptions): MemoryTaskQueue {
  const maxAttempts = positiveInteger('maxAttempts', options.maxAttempts);
  const concurrency = positiveInteger('concurrency', options.concurrency ?? DEFAULT_TASK_CONCURRENCY);
  const retryDelayMs = options.retryDelayMs ?? 100;
  const shutdownGraceMs = options.shutdownGraceMs ?? 5000;
  const maxDeadLetters = options.maxDeadLetters ?? 1000;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;

  const ready: Envelope[] = [];
  /** Every task not yet acknowledged or dead, in publish order (the first is the oldest). */
  const unacked = new Map<string, Envelope>();
  const retryTimers = new Set<NodeJS.Timeout>();
  const inFlight = new InFlightHandlers();
  const drainWaiters = new Set<(error?: Error) => void>();
  const dead: DeadLetter[] = [];
  let deadCount = 0;
  let sequence = 0;
  let handler: TaskHandler | undefined;
  let closed = false;

  function pump(): void {
    while (handler && !closed && inFlight.size < concurrency && ready.length > 0) {
      const envelope = ready.shift()!;
      void inFlight.track(deliver(handler, envelope)).then(pump);
    }
  }

  async function deliver(run: TaskHandler, envelope: Envelope): Promise<void> {
    const delivery: Delivery = { id: envelope.id, task: envelope.task, attempt: envelope.attempt };
    try {
      await run(delivery);
      settle(envelope.id);
    } catch (error) {
      if (closed) return;
      if (envelope.attempt >= maxAttempts) deadLetter(envelope, error);
      else scheduleRetry(envelope, error);
    }
  }

  function scheduleRetry(envelope: Envelope, error: unknown): void {
    const delayMs = Math.min(retryDelayMs * 2 ** (envelope.attempt - 1), MAX_RETRY_DELAY_MS);
    logger.warn('task failed, will redeliver', {
      taskId: envelope.id,
      type: envelope.task.type,
      attempt: envelope.attempt,
      delayMs,
      error,
    });
    const timer = setTimeout(() => {
      retryTimers.delete(timer);
      ready.push({ ...envelope, attempt: envelope.attempt + 1 });
      pump();
    }, delayMs);
    // A pending retry alone must not keep the process alive; close() clears it anyway.
    timer.unref();
    retryTimers.add(timer);
  }

  function deadLetter(envelope: Envelope, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    logger.error('task dead-lettered', {
      taskId: envelope.id,
      type: envelope.task.type,
      attempts: envelope.attempt,
      error,
    });
    dead.push({
      id: envelope.id,
      task: envelope.task,
      attempts: envelope.attempt,
      error: message,
      deadAt: clock.now(),
    });
    if (dead.length > maxDeadLetters) dead.shift();
    deadCount += 1;
    settle(envelope.id);
  }

  function settle(id: string): void {
    unacked.delete(id);
    if (unacked.size > 0) return;
    for (const wake of drainWaiters) wake();
    drainWaiters.clear();
  }

  return {
    async publish(task) {
      if (closed) throw new Error('task queue is closed');
      sequence += 1;
      const envelope: Envelope = {
        id: `task-${sequence}`,
        task,
        attempt: 1,
        publishedAtMs: clock.now().getTime(),
      };
      unacked.set(envelope.id, envelope);
      ready.push(envelope);
      pump();
    },

    consume(taskHandler) {
      if (closed) throw new Error('task queue is closed');
      if (handler) throw new Error('task queue already has a consumer');
      handler = taskHandler;
      pump();
    },

    async stats(): Promise<QueueStats> {
      const oldest = unacked.values().next();
      const lagMs = oldest.done ? 0 : Math.max(0, clock.now().getTime() - oldest.value.publishedAtMs);
      return { pending: unacked.size, lagMs, deadLetters: deadCount };
    },

    drain(timeoutMs = DEFAULT_DRAIN_TIMEOUT_MS) {
      if (unacked.size === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          drainWaiters.delete(wake);
          reject(
            new QueueDrainTimeoutError(
              `memory task queue still has ${unacked.size} pending task(s) after ${timeoutMs} ms`,
            ),
          );
        }, timeoutMs);
        const wake = (error?: Error) => {
          clearTimeout(timer);
          if (error) reject(error);
          else resolve();
        };
        drainWaiters.add(wake);
      });
    },

    deadLetters: () => dead,

    async close() {
      if (closed) return;
      closed = true;
      for (const timer of retryTimers) clearTimeout(timer);
      retryTimers.clear();
      for (const wake of drainWaiters) wake(new Error('task queue closed before it drained'));
      drainWaiters.clear();
      const finished = await inFlight.settleWithin(shutdownGraceMs);
      if (!finished) logger.warn('task queue closed with handlers still running', { running: inFlight.size });
      if (unacked.size > 0)
        logger.warn('task queue closed with tasks pending; they are lost', { pending: unacked.size });
    },
  };
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}
