import { afterEach, describe, expect, it } from '@jest/globals';
import { createFaultEngine, type FaultEngine } from '../../../../shared/faults/engine.js';
import { withQueueFaults } from '../../../../shared/injection/queue-faults.js';
import { createMemoryQueue } from '../../../../shared/queue/adapters/memory-queue.js';
import type { Task, TaskQueue } from '../../../../shared/queue/ports.js';
import { DAY_MS, manualClock } from '../faults/fault-fixtures.js';

const queues: TaskQueue[] = [];

afterEach(async () => {
  await Promise.all(queues.splice(0).map((queue) => queue.close()));
});

function engineWith(rules: Record<string, unknown>[]): FaultEngine {
  const engine = createFaultEngine({ clock: manualClock(), enabled: true, maxTtlMs: DAY_MS });
  for (const rule of rules) engine.addRule(rule);
  return engine;
}

function task(name: string): Task {
  return { type: 'delete_from_storage', blobIds: [name] };
}

/** A faulted memory queue whose consumer records, in order, the tasks it is handed. */
function recordingQueue(engine: FaultEngine, options: { concurrency?: number; consume?: boolean } = {}) {
  const inner = createMemoryQueue({ maxAttempts: 1, concurrency: options.concurrency ?? 32 });
  const queue = withQueueFaults(inner, engine);
  queues.push(queue);
  const handled: { name: string; atMs: number }[] = [];
  const waiters: (() => void)[] = [];
  const startConsumer = () =>
    queue.consume(async (delivery) => {
      handled.push({ name: delivery.task.blobIds[0]!, atMs: performance.now() });
      for (const wake of waiters.splice(0)) wake();
    });
  if (options.consume !== false) startConsumer();
  /** Resolves once `count` tasks have been handled (bounded: rejects after `timeoutMs`). */
  const handledCount = (count: number, timeoutMs = 5000) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${handled.length} of ${count} handled`)),
        timeoutMs,
      );
      const check = () => {
        if (handled.length >= count) {
          clearTimeout(timer);
          resolve();
        } else waiters.push(check);
      };
      check();
    });
  return { queue, handled, handledCount, startConsumer };
}

describe('delay at queue.publish', () => {
  it('publish resolves at once; the task is handed to the consumer only after the delay', async () => {
    // Prepare
    const engine = engineWith([{ match: { point: 'queue.publish' }, fault: { type: 'delay', ms: 400 } }]);
    const { queue, handled, handledCount } = recordingQueue(engine);

    // Act
    const start = performance.now();
    await queue.publish(task('late'));
    const publishMs = performance.now() - start;
    const pendingWhileDelayed = (await queue.stats()).pending;
    await handledCount(1);

    // Assess
    expect(publishMs).toBeLessThan(100);
    expect(pendingWhileDelayed).toBe(1);
    expect(handled[0]!.atMs - start).toBeGreaterThanOrEqual(390);
    expect(engine.events()).toHaveLength(1);
  });

  it('drain waits for a delayed task to be published and handled', async () => {
    // Prepare
    const engine = engineWith([{ match: { point: 'queue.publish' }, fault: { type: 'delay', ms: 200 } }]);
    const { queue, handled } = recordingQueue(engine);

    // Act
    await queue.publish(task('late'));
    await queue.drain();

    // Assess
    expect(handled.map((h) => h.name)).toEqual(['late']);
  });

  it('close publishes a still-delayed task at once instead of losing it', async () => {
    // Prepare: a queue that records what reaches it, so what close() does is visible.
    const engine = engineWith([{ match: { point: 'queue.publish' }, fault: { type: 'delay', ms: 60_000 } }]);
    const reached: Task[] = [];
    const inner = createMemoryQueue({ maxAttempts: 1 });
    const queue = withQueueFaults({ ...inner, publish: async (t) => void reached.push(t) }, engine);

    // Act
    await queue.publish(task('late'));
    const beforeClose = reached.length;
    const start = performance.now();
    await queue.close();
    const closeMs = performance.now() - start;

    // Assess
    expect(beforeClose).toBe(0);
    expect(reached.map((t) => (t.type === 'delete_from_storage' ? t.blobIds[0] : t.key))).toEqual(['late']);
    expect(closeMs).toBeLessThan(1000);
  });
});

describe('reorder', () => {
  it('at queue.publish: the held task is overtaken by the next one', async () => {
    // Prepare
    const engine = engineWith([{ match: { point: 'queue.publish' }, fault: { type: 'reorder' }, times: 1 }]);
    const { queue, handled, handledCount } = recordingQueue(engine, { concurrency: 1 });

    // Act
    await queue.publish(task('first'));
    await queue.publish(task('second'));
    await handledCount(2);

    // Assess
    expect(handled.map((h) => h.name)).toEqual(['second', 'first']);
  });

  it('at queue.publish with every task reordered: each is overtaken by the one after it', async () => {
    // Prepare
    const engine = engineWith([{ match: { point: 'queue.publish' }, fault: { type: 'reorder' } }]);
    const { queue, handled, handledCount } = recordingQueue(engine, { concurrency: 1 });

    // Act
    await queue.publish(task('a'));
    await queue.publish(task('b'));
    await queue.publish(task('c'));
    await handledCount(3);

    // Assess
    expect(handled.map((h) => h.name)).toEqual(['c', 'b', 'a']);
  });

  it('at queue.consume: the delivery goes to the back of the queue; the next one is handled first', async () => {
    // Prepare: a backlog of two, and a consumer that takes one at a time.
    const engine = engineWith([{ match: { point: 'queue.consume' }, fault: { type: 'reorder' }, times: 1 }]);
    const { queue, handled, handledCount, startConsumer } = recordingQueue(engine, {
      concurrency: 1,
      consume: false,
    });
    await queue.publish(task('first'));
    await queue.publish(task('second'));

    // Act
    startConsumer();
    await handledCount(2);

    // Assess
    expect(handled.map((h) => h.name)).toEqual(['second', 'first']);
  });
});
