import { Counter, Gauge, type Registry } from 'prom-client';
import type { QueueStats, Task, TaskQueue } from '../queue/ports.js';
import { readWithin, SCRAPE_READ_TIMEOUT_MS } from './scrape-read.js';

/**
 * The `queue` label of the async service's task queue, whichever backend holds it (in-process,
 * Redis stream, SQS): one name, so a query or a dashboard reads the same in every mode.
 */
export const TASK_QUEUE = 'tasks';

export interface QueueMetricsOptions {
  /** The process registry (`/metrics`). */
  registry: Registry;
  /** `QUEUE_MAX_ATTEMPTS`: a handler failing on this attempt sends the task to the dead letters. */
  maxAttempts: number;
  /** The `queue` label; default {@link TASK_QUEUE}. */
  queue?: string;
  /** How long a scrape waits for the queue's stats; default {@link SCRAPE_READ_TIMEOUT_MS}. */
  statsTimeoutMs?: number;
}

/** What a delivery came to: acknowledged, to be delivered again, or moved to the dead letters. */
type DequeueOutcome = 'ok' | 'retry' | 'dead_letter';

/**
 * Measures a task queue as its backend sees it: `enqueue_total{queue,task_type}` for every task
 * the queue accepted, `dequeue_total{queue,task_type,outcome}` for every delivery handled,
 * `dead_letters_total{queue,task_type}` for the tasks this process's consumer dead-lettered, and,
 * read from `stats()` at each scrape, `consumer_lag_seconds`, `queue_pending` and
 * `queue_dead_letters` (the dead-letter store's size; Redis and SQS share it between processes).
 *
 * Meant to wrap the adapter itself, under the fault points: a dropped message is not enqueued, a
 * duplicated one is enqueued twice, a poisoned one ends in `dead_letter`, as the queue saw them.
 */
export function withQueueMetrics(queue: TaskQueue, options: QueueMetricsOptions): TaskQueue {
  const { registry, maxAttempts } = options;
  const queueLabel = options.queue ?? TASK_QUEUE;
  const enqueued = new Counter({
    name: 'enqueue_total',
    help: 'Tasks the queue accepted, by queue and task type',
    labelNames: ['queue', 'task_type'] as const,
    registers: [registry],
  });
  const dequeued = new Counter({
    name: 'dequeue_total',
    help: 'Task deliveries handled, by queue, task type and outcome (ok, retry, dead_letter)',
    labelNames: ['queue', 'task_type', 'outcome'] as const,
    registers: [registry],
  });
  const deadLettered = new Counter({
    name: 'dead_letters_total',
    help: "Tasks this process's consumer sent to the dead letters after their last attempt failed",
    labelNames: ['queue', 'task_type'] as const,
    registers: [registry],
  });
  const statsTimeoutMs = options.statsTimeoutMs ?? SCRAPE_READ_TIMEOUT_MS;
  serveQueueStats(registry, queueLabel, () => readWithin(queue.stats(), statsTimeoutMs));

  const count = (task: Task, outcome: DequeueOutcome) => {
    dequeued.inc({ queue: queueLabel, task_type: task.type, outcome });
    if (outcome === 'dead_letter') deadLettered.inc({ queue: queueLabel, task_type: task.type });
  };

  return {
    ...queue,
    async publish(task) {
      await queue.publish(task);
      enqueued.inc({ queue: queueLabel, task_type: task.type });
    },
    consume(handler) {
      queue.consume(async (delivery) => {
        try {
          await handler(delivery);
        } catch (error) {
          // Every adapter dead-letters a task whose handler fails on attempt `maxAttempts`.
          count(delivery.task, delivery.attempt >= maxAttempts ? 'dead_letter' : 'retry');
          throw error;
        }
        count(delivery.task, 'ok');
      });
    },
  };
}

/**
 * Gauges read from the queue's own stats at scrape time. The three share one `stats()` call per
 * scrape (a Redis or SQS round trip); a failed or late read leaves them out of that scrape, not
 * the scrape.
 */
function serveQueueStats(
  registry: Registry,
  queue: string,
  stats: () => Promise<QueueStats | undefined>,
): void {
  let reading: Promise<QueueStats | undefined> | undefined;
  const current = () => {
    reading ??= stats().finally(() => {
      reading = undefined;
    });
    return reading;
  };
  const fromStats = (name: string, help: string, value: (stats: QueueStats) => number) => {
    const gauge: Gauge<'queue'> = new Gauge({
      name,
      help,
      labelNames: ['queue'] as const,
      registers: [registry],
      async collect() {
        const read = await current();
        if (read === undefined) gauge.remove({ queue });
        else gauge.set({ queue }, value(read));
      },
    });
  };
  fromStats(
    'consumer_lag_seconds',
    'Age of the oldest task published and not yet acknowledged (0 when the queue is idle)',
    (read) => read.lagMs / 1000,
  );
  fromStats('queue_pending', 'Tasks published and not yet acknowledged', (read) => read.pending);
  fromStats('queue_dead_letters', 'Tasks held in the dead letters', (read) => read.deadLetters);
}
