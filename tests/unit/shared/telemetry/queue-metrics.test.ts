import { afterEach, describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { createMemoryQueue, type MemoryTaskQueue } from '../../../../shared/queue/adapters/memory-queue.js';
import type { Task, TaskQueue } from '../../../../shared/queue/ports.js';
import { TASK_QUEUE, withQueueMetrics } from '../../../../shared/telemetry/queue-metrics.js';
import { samples, sampleValue } from '../../../support/registry-samples.js';
import { manualClock } from '../faults/fault-fixtures.js';

const queues: TaskQueue[] = [];

afterEach(async () => {
  await Promise.all(queues.splice(0).map((queue) => queue.close()));
});

const upload: Task = { type: 'upload_completed', bucket: 'photos', key: 'a.jpg', blobIds: ['b1'] };
const release: Task = { type: 'delete_from_storage', blobIds: ['b2'] };

function measuredQueue(options: { maxAttempts?: number; clock?: ReturnType<typeof manualClock> } = {}) {
  const maxAttempts = options.maxAttempts ?? 2;
  const inner: MemoryTaskQueue = createMemoryQueue({
    maxAttempts,
    retryDelayMs: 1,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const registry = new Registry();
  const queue = withQueueMetrics(inner, { registry, maxAttempts });
  queues.push(queue);
  return { queue, inner, registry };
}

describe('enqueue_total and dequeue_total', () => {
  it('counts published tasks and each delivery by task type and outcome', async () => {
    // Prepare
    const { queue, registry } = measuredQueue({ maxAttempts: 2 });
    queue.consume(async (delivery) => {
      if (delivery.task.type === 'delete_from_storage') throw new Error('node unreachable');
    });

    // Act
    await queue.publish(upload);
    await queue.publish(upload);
    await queue.publish(release);
    await queue.drain();

    // Assess
    const labels = (task_type: string) => ({ queue: TASK_QUEUE, task_type });
    expect(await sampleValue(registry, 'enqueue_total', labels('upload_completed'))).toBe(2);
    expect(await sampleValue(registry, 'enqueue_total', labels('delete_from_storage'))).toBe(1);
    expect(
      await sampleValue(registry, 'dequeue_total', { ...labels('upload_completed'), outcome: 'ok' }),
    ).toBe(2);
    expect(
      await sampleValue(registry, 'dequeue_total', { ...labels('delete_from_storage'), outcome: 'retry' }),
    ).toBe(1);
    expect(
      await sampleValue(registry, 'dequeue_total', {
        ...labels('delete_from_storage'),
        outcome: 'dead_letter',
      }),
    ).toBe(1);
    expect(await sampleValue(registry, 'dead_letters_total', labels('delete_from_storage'))).toBe(1);
    expect(await sampleValue(registry, 'dead_letters_total', labels('upload_completed'))).toBeUndefined();
  });

  it('does not count a publish the queue refused', async () => {
    // Prepare
    const { queue, inner, registry } = measuredQueue();
    await inner.close();

    // Act
    const published = queue.publish(upload);

    // Assess
    await expect(published).rejects.toThrow('closed');
    expect(await samples(registry, 'enqueue_total')).toEqual([]);
  });
});

describe('queue stats at scrape', () => {
  it('serves the age of the oldest unacknowledged task, the pending tasks and the dead letters', async () => {
    // Prepare: no consumer, so the tasks wait.
    const clock = manualClock();
    const { queue, registry } = measuredQueue({ clock });
    await queue.publish(upload);
    clock.advance(1500);
    await queue.publish(release);

    // Act
    clock.advance(2000);

    // Assess
    const labels = { queue: TASK_QUEUE };
    expect(await sampleValue(registry, 'consumer_lag_seconds', labels)).toBe(3.5);
    expect(await sampleValue(registry, 'queue_pending', labels)).toBe(2);
    expect(await sampleValue(registry, 'queue_dead_letters', labels)).toBe(0);
  });

  it.each([
    ['fails', () => Promise.reject(new Error('redis down'))],
    ['does not answer in time', () => new Promise<never>(() => undefined)],
  ])('leaves the stats out, and the scrape whole, when the queue %s', async (_how, stats) => {
    // Prepare
    const { queue } = measuredQueue();
    const unanswering: TaskQueue = { ...queue, stats };
    const registry = new Registry();
    withQueueMetrics(unanswering, { registry, maxAttempts: 2, statsTimeoutMs: 50 });

    // Act
    const text = await registry.metrics();

    // Assess
    expect(text).toContain('# TYPE consumer_lag_seconds gauge');
    expect(text).toContain('# TYPE enqueue_total counter');
    expect(await samples(registry, 'consumer_lag_seconds')).toEqual([]);
    expect(await samples(registry, 'queue_pending')).toEqual([]);
  });
});
