import { afterAll, describe, expect, it } from '@jest/globals';
import {
  createRedisStreamQueue,
  type RedisStreamQueueOptions,
  type RedisStreamTaskQueue,
} from '../../../shared/queue/adapters/redis-stream-queue.js';
import type { Delivery } from '../../../shared/queue/ports.js';
import { deletionTask, describeTaskQueueContract } from '../../support/task-queue-contract.js';
import {
  chunkPairs,
  closedPort,
  deleteScratchKeys,
  inspectRedis,
  REDIS_URL,
  scratchPrefix,
} from './redis-scratch.js';

const prefix = scratchPrefix('queue');
const inspector = inspectRedis();
let streams = 0;

/** A fresh stream per test; short claim and block times keep redelivery tests fast. */
function queueOptions(overrides: Partial<RedisStreamQueueOptions> = {}): RedisStreamQueueOptions {
  streams += 1;
  return {
    url: REDIS_URL,
    stream: `${prefix}tasks-${streams}`,
    group: 'async',
    consumer: 'consumer-1',
    maxAttempts: 3,
    claimIdleMs: 150,
    blockMs: 50,
    ...overrides,
  };
}

afterAll(async () => {
  await deleteScratchKeys(inspector, prefix);
  await inspector.quit();
});

describeTaskQueueContract('redis streams', {
  async open({ maxAttempts }) {
    return createRedisStreamQueue(queueOptions({ maxAttempts }));
  },
});

describe('createRedisStreamQueue', () => {
  const opened: RedisStreamTaskQueue[] = [];
  const open = (options: RedisStreamQueueOptions) => {
    const queue = createRedisStreamQueue(options);
    opened.push(queue);
    return queue;
  };

  afterAll(async () => {
    await Promise.all(opened.map((queue) => queue.close()));
  });

  it('hands the message of a consumer that crashed to another consumer after claimIdleMs', async () => {
    // Prepare
    const options = queueOptions({ shutdownGraceMs: 0 });
    const crashing = open({ ...options, consumer: 'consumer-crashing' });
    const survivor = open({ ...options, consumer: 'consumer-survivor' });
    const firstDelivery = new Promise<Delivery>((resolve) => {
      crashing.consume((delivery) => {
        resolve(delivery);
        return new Promise<void>(() => {});
      });
    });
    await crashing.publish(deletionTask('blob-orphaned'));
    const lost = await firstDelivery;
    await crashing.close();

    // Act
    const secondDelivery = new Promise<Delivery>((resolve) => {
      survivor.consume(async (delivery) => resolve(delivery));
    });
    const recovered = await secondDelivery;
    await survivor.drain(5000);

    // Assess
    expect(lost.attempt).toBe(1);
    expect(recovered).toEqual({ id: lost.id, task: deletionTask('blob-orphaned'), attempt: 2 });
    expect(await survivor.stats()).toEqual({ pending: 0, lagMs: 0, deadLetters: 0 });
  });

  it('does not redeliver a slow handler’s message while the handler is still running', async () => {
    // Prepare
    const options = queueOptions({ claimIdleMs: 100, blockMs: 20 });
    const first = open({ ...options, consumer: 'consumer-a' });
    const second = open({ ...options, consumer: 'consumer-b' });
    const attempts: number[] = [];
    const slowHandler = async (delivery: Delivery) => {
      attempts.push(delivery.attempt);
      // Several claimIdleMs periods: without claim renewal the other consumer would take it over.
      await new Promise((resolve) => setTimeout(resolve, 450));
    };
    first.consume(slowHandler);
    second.consume(slowHandler);

    // Act
    await first.publish(deletionTask('blob-large'));
    await first.drain(5000);

    // Assess
    expect(attempts).toEqual([1]);
  });

  it('moves a task that failed every attempt to <stream>:dead with the reason', async () => {
    // Prepare
    const options = queueOptions({ maxAttempts: 2 });
    const queue = open(options);
    queue.consume(async () => {
      throw new Error('all replicas corrupt');
    });

    // Act
    await queue.publish(deletionTask('blob-poison'));
    await queue.drain(5000);

    // Assess
    const dead = await inspector.xrange(`${options.stream}:dead`, '-', '+');
    expect(dead).toHaveLength(1);
    const fields = Object.fromEntries(chunkPairs(dead[0]![1]));
    expect(JSON.parse(fields.task!)).toEqual(deletionTask('blob-poison'));
    expect(fields).toMatchObject({ attempts: '2', error: 'Error: all replicas corrupt' });
    expect(await inspector.xpending(options.stream, options.group)).toEqual([0, null, null, null]);
  });

  it('fails a publish fast when Redis is unreachable', async () => {
    // Prepare
    const queue = open(
      queueOptions({ url: `redis://127.0.0.1:${await closedPort()}`, commandTimeoutMs: 500 }),
    );
    const startedAt = Date.now();

    // Act
    const publishing = queue.publish(deletionTask('blob-unsent'));

    // Assess
    await expect(publishing).rejects.toThrow(/redis/i);
    expect(Date.now() - startedAt).toBeLessThan(2000);
  });
});
