import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import type { Delivery, Task, TaskQueue } from '../../shared/queue/ports.js';
import { TASK_QUEUE, withQueueMetrics } from '../../shared/telemetry/queue-metrics.js';
import { sampleValue } from './registry-samples.js';

/** What a task-queue adapter's test file provides to run the shared contract. */
export interface TaskQueueContractSubject {
  /** Opens a fresh, empty queue of its own (nothing shared with other tests). Closed by the contract. */
  open(options: { maxAttempts: number }): Promise<TaskQueue>;
}

/** A deletion task whose blob id tells the tasks apart in assertions. */
export function deletionTask(blobId: string): Task {
  return { type: 'delete_from_storage', blobIds: [blobId] };
}

/** The blob id of a task built by {@link deletionTask}. */
export function blobIdOf(delivery: Delivery): string {
  return delivery.task.blobIds[0]!;
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

/** The behaviour every `TaskQueue` adapter must show. */
export function describeTaskQueueContract(adapterName: string, subject: TaskQueueContractSubject): void {
  describe(`TaskQueue contract: ${adapterName}`, () => {
    const opened: TaskQueue[] = [];
    const open = async (maxAttempts: number) => {
      const queue = await subject.open({ maxAttempts });
      opened.push(queue);
      return queue;
    };

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((queue) => queue.close()));
    });

    it('delivers every published task exactly once, on attempt 1, when the handler succeeds', async () => {
      // Prepare
      const queue = await open(3);
      const deliveries: Delivery[] = [];
      queue.consume(async (delivery) => {
        deliveries.push(delivery);
      });
      const blobIds = ['blob-1', 'blob-2', 'blob-3', 'blob-4', 'blob-5', 'blob-6'];

      // Act
      for (const blobId of blobIds) await queue.publish(deletionTask(blobId));
      await queue.drain();

      // Assess
      expect(deliveries.map(blobIdOf).sort()).toEqual(blobIds);
      expect(deliveries.every((delivery) => delivery.attempt === 1)).toBe(true);
      expect(new Set(deliveries.map((delivery) => delivery.id)).size).toBe(blobIds.length);
      expect(await queue.stats()).toEqual({ pending: 0, lagMs: 0, deadLetters: 0 });
    });

    it('delivers tasks published before the consumer started', async () => {
      // Prepare
      const queue = await open(3);
      await queue.publish(deletionTask('blob-early'));
      const seen: string[] = [];

      // Act
      queue.consume(async (delivery) => {
        seen.push(blobIdOf(delivery));
      });
      await queue.drain();

      // Assess
      expect(seen).toEqual(['blob-early']);
    });

    it('redelivers a task whose handler throws, with attempt 2, 3, ... until it succeeds', async () => {
      // Prepare
      const queue = await open(5);
      const attempts: number[] = [];
      queue.consume(async (delivery) => {
        attempts.push(delivery.attempt);
        if (delivery.attempt < 3) throw new Error('storage node unreachable');
      });

      // Act
      await queue.publish(deletionTask('blob-flaky'));
      await queue.drain();

      // Assess
      expect(attempts).toEqual([1, 2, 3]);
      expect(await queue.stats()).toMatchObject({ pending: 0, deadLetters: 0 });
    });

    it('dead-letters a task after maxAttempts failures and keeps delivering the others', async () => {
      // Prepare
      const queue = await open(3);
      const poisonAttempts: number[] = [];
      const healthy: string[] = [];
      queue.consume(async (delivery) => {
        if (blobIdOf(delivery) === 'blob-poison') {
          poisonAttempts.push(delivery.attempt);
          throw new Error('checksum mismatch on every replica');
        }
        healthy.push(blobIdOf(delivery));
      });

      // Act
      await queue.publish(deletionTask('blob-poison'));
      await queue.publish(deletionTask('blob-healthy'));
      await queue.drain();

      // Assess
      expect(poisonAttempts).toEqual([1, 2, 3]);
      expect(healthy).toEqual(['blob-healthy']);
      expect(await queue.stats()).toEqual({ pending: 0, lagMs: 0, deadLetters: 1 });
    });

    it('drain waits for a running handler to finish', async () => {
      // Prepare
      const queue = await open(3);
      const started = deferred();
      const release = deferred();
      let finished = false;
      queue.consume(async () => {
        started.resolve();
        await release.promise;
        finished = true;
      });
      await queue.publish(deletionTask('blob-slow'));
      await started.promise;

      // Act
      let drained = false;
      const draining = queue.drain().then(() => {
        drained = true;
      });
      // Gives a polling drain several rounds in which it must not resolve.
      await sleep(150);
      const drainedBeforeRelease = drained;
      release.resolve();
      await draining;

      // Assess
      expect(drainedBeforeRelease).toBe(false);
      expect(finished).toBe(true);
    });

    it('reports pending tasks and the age of the oldest one', async () => {
      // Prepare
      const queue = await open(3);
      await queue.publish(deletionTask('blob-a'));
      await queue.publish(deletionTask('blob-b'));
      // The lag is the age of the oldest task: time has to pass for it to show.
      await sleep(60);

      // Act
      const waiting = await queue.stats();
      queue.consume(async () => {});
      await queue.drain();
      const idle = await queue.stats();

      // Assess
      expect(waiting.pending).toBe(2);
      expect(waiting.lagMs).toBeGreaterThanOrEqual(50);
      expect(waiting.lagMs).toBeLessThan(10_000);
      expect(waiting.deadLetters).toBe(0);
      expect(idle).toEqual({ pending: 0, lagMs: 0, deadLetters: 0 });
    });

    it('measured (withQueueMetrics): counts what the queue did and serves its stats', async () => {
      // Prepare
      const registry = new Registry();
      const queue = withQueueMetrics(await open(2), { registry, maxAttempts: 2 });
      queue.consume(async (delivery) => {
        if (blobIdOf(delivery) === 'blob-poison') throw new Error('checksum mismatch on every replica');
      });

      // Act
      await queue.publish(deletionTask('blob-poison'));
      await queue.publish(deletionTask('blob-healthy'));
      await queue.drain();

      // Assess
      const labels = { queue: TASK_QUEUE, task_type: 'delete_from_storage' };
      const outcome = (name: string) => sampleValue(registry, 'dequeue_total', { ...labels, outcome: name });
      expect(await sampleValue(registry, 'enqueue_total', labels)).toBe(2);
      expect([await outcome('ok'), await outcome('retry'), await outcome('dead_letter')]).toEqual([1, 1, 1]);
      expect(await sampleValue(registry, 'dead_letters_total', labels)).toBe(1);
      expect(await sampleValue(registry, 'queue_dead_letters', { queue: TASK_QUEUE })).toBe(1);
      expect(await sampleValue(registry, 'queue_pending', { queue: TASK_QUEUE })).toBe(0);
      expect(await sampleValue(registry, 'consumer_lag_seconds', { queue: TASK_QUEUE })).toBe(0);
    });

    it('refuses to publish once closed', async () => {
      // Prepare
      const queue = await open(3);
      await queue.close();

      // Act
      const publishing = queue.publish(deletionTask('blob-late'));

      // Assess
      await expect(publishing).rejects.toThrow(/closed/);
    });
  });
}
