import { afterEach, describe, expect, it } from '@jest/globals';
import { createMemoryQueue, type MemoryTaskQueue } from '../../../../shared/queue/adapters/memory-queue.js';
import { QueueDrainTimeoutError } from '../../../../shared/queue/drain.js';
import type { Clock } from '../../../../shared/runtime/clock.js';
import { blobIdOf, deletionTask, describeTaskQueueContract } from '../../../support/task-queue-contract.js';

describeTaskQueueContract('memory', {
  async open({ maxAttempts }) {
    return createMemoryQueue({ maxAttempts, retryDelayMs: 1 });
  },
});

function manualClock(startMs = Date.UTC(2024, 0, 1)): Clock & { advance(ms: number): void } {
  let nowMs = startMs;
  return {
    now: () => new Date(nowMs),
    advance: (ms) => {
      nowMs += ms;
    },
  };
}

describe('createMemoryQueue', () => {
  const queues: MemoryTaskQueue[] = [];
  const open = (options: Parameters<typeof createMemoryQueue>[0]) => {
    const queue = createMemoryQueue(options);
    queues.push(queue);
    return queue;
  };

  afterEach(async () => {
    await Promise.all(queues.splice(0).map((queue) => queue.close()));
  });

  it('runs at most `concurrency` handlers at once', async () => {
    // Prepare
    const queue = open({ maxAttempts: 1, concurrency: 2 });
    let running = 0;
    let mostAtOnce = 0;
    queue.consume(async () => {
      running += 1;
      mostAtOnce = Math.max(mostAtOnce, running);
      await new Promise((resolve) => setImmediate(resolve));
      running -= 1;
    });

    // Act
    for (let i = 0; i < 6; i += 1) await queue.publish(deletionTask(`blob-${i}`));
    await queue.drain();

    // Assess
    expect(mostAtOnce).toBe(2);
  });

  it('delivers in publish order', async () => {
    // Prepare
    const queue = open({ maxAttempts: 1, concurrency: 1 });
    const seen: string[] = [];
    for (let i = 0; i < 5; i += 1) await queue.publish(deletionTask(`blob-${i}`));

    // Act
    queue.consume(async (delivery) => {
      seen.push(blobIdOf(delivery));
    });
    await queue.drain();

    // Assess
    expect(seen).toEqual(['blob-0', 'blob-1', 'blob-2', 'blob-3', 'blob-4']);
  });

  it('keeps dead letters with the task, the attempts and the last error', async () => {
    // Prepare
    const clock = manualClock();
    const queue = open({ maxAttempts: 2, retryDelayMs: 1, clock });
    queue.consume(async () => {
      throw new Error('no replica reachable');
    });

    // Act
    await queue.publish(deletionTask('blob-poison'));
    await queue.drain();

    // Assess
    expect(queue.deadLetters()).toEqual([
      {
        id: expect.any(String),
        task: deletionTask('blob-poison'),
        attempts: 2,
        error: 'no replica reachable',
        deadAt: clock.now(),
      },
    ]);
  });

  it('measures lag with the injected clock, from the oldest unacknowledged task', async () => {
    // Prepare
    const clock = manualClock();
    const queue = open({ maxAttempts: 1, clock });
    await queue.publish(deletionTask('blob-old'));
    clock.advance(700);
    await queue.publish(deletionTask('blob-new'));
    clock.advance(300);

    // Act
    const stats = await queue.stats();

    // Assess
    expect(stats).toEqual({ pending: 2, lagMs: 1000, deadLetters: 0 });
  });

  it('fails drain after its timeout when nothing consumes', async () => {
    // Prepare
    const queue = open({ maxAttempts: 1 });
    await queue.publish(deletionTask('blob-orphan'));

    // Act
    const draining = queue.drain(20);

    // Assess
    await expect(draining).rejects.toThrow(QueueDrainTimeoutError);
  });

  it('closes without waiting past the grace period for a handler that never returns', async () => {
    // Prepare
    const queue = open({ maxAttempts: 1, shutdownGraceMs: 10 });
    let started!: () => void;
    const handlerStarted = new Promise<void>((resolve) => {
      started = resolve;
    });
    queue.consume(() => {
      started();
      return new Promise<void>(() => {});
    });
    await queue.publish(deletionTask('blob-stuck'));
    await handlerStarted;

    // Act
    const closing = queue.close();

    // Assess
    await expect(closing).resolves.toBeUndefined();
  });

  it('rejects a second consumer', () => {
    // Prepare
    const queue = open({ maxAttempts: 1 });
    queue.consume(async () => {});

    // Act
    const second = () => queue.consume(async () => {});

    // Assess
    expect(second).toThrow(/already has a consumer/);
  });

  it('rejects maxAttempts below 1', () => {
    // Act
    const creating = () => createMemoryQueue({ maxAttempts: 0 });

    // Assess
    expect(creating).toThrow(RangeError);
  });
});
