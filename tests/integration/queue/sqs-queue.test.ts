import { GetQueueUrlCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../../shared/config/env.js';
import { createFaultEngine } from '../../../shared/faults/engine.js';
import { withQueueFaults } from '../../../shared/injection/queue-faults.js';
import {
  createSqsQueue,
  type SqsQueueOptions,
  type SqsTaskQueue,
} from '../../../shared/queue/adapters/sqs-queue.js';
import type { Delivery } from '../../../shared/queue/ports.js';
import { systemClock } from '../../../shared/runtime/clock.js';
import { blobIdOf, deletionTask, describeTaskQueueContract } from '../../support/task-queue-contract.js';
import { closedPort } from './redis-scratch.js';
import { deleteScratchQueues, inspectSqs, scratchQueues } from './sqs-scratch.js';

// Against moto's SQS (scripts/moto-up.sh). Each test has queues of its own; redelivery is immediate
// (retryDelaySeconds 0) so the contract runs in seconds.
const scratch = scratchQueues('sqs');
const inspector = inspectSqs();

afterAll(async () => {
  await deleteScratchQueues(inspector, scratch.names);
  inspector.destroy();
});

describeTaskQueueContract('sqs (moto)', {
  async open({ maxAttempts }) {
    return createSqsQueue(scratch.options({ maxAttempts }));
  },
});

describe('createSqsQueue', () => {
  const opened: SqsTaskQueue[] = [];
  const open = (options: SqsQueueOptions) => {
    const queue = createSqsQueue(options);
    opened.push(queue);
    return queue;
  };

  afterAll(async () => {
    await Promise.all(opened.map((queue) => queue.close()));
  });

  it('redelivers the message of a consumer that crashed before deleting it, after the visibility timeout', async () => {
    // Prepare
    const options = scratch.options({ visibilityTimeoutSeconds: 1, shutdownGraceMs: 0 });
    const crashing = open(options);
    const survivor = open(options);
    let lostAt = 0;
    const firstDelivery = new Promise<Delivery>((resolve) => {
      crashing.consume((delivery) => {
        lostAt = Date.now();
        resolve(delivery);
        return new Promise<void>(() => {});
      });
    });
    await crashing.publish(deletionTask('blob-orphaned'));
    const lost = await firstDelivery;
    await crashing.close();

    // Act
    let recoveredAt = 0;
    const secondDelivery = new Promise<Delivery>((resolve) => {
      survivor.consume(async (delivery) => {
        recoveredAt = Date.now();
        resolve(delivery);
      });
    });
    const recovered = await secondDelivery;
    await survivor.drain(5000);

    // Assess
    expect(lost.attempt).toBe(1);
    expect(recovered).toEqual({ id: lost.id, task: deletionTask('blob-orphaned'), attempt: 2 });
    // Not before the visibility timeout, counted from the receive (just before the handler started).
    expect(recoveredAt - lostAt).toBeGreaterThanOrEqual(800);
    expect(await survivor.stats()).toEqual({ pending: 0, lagMs: 0, deadLetters: 0 });
  });

  it('does not redeliver a slow handler’s message while the handler is still running', async () => {
    // Prepare
    const options = scratch.options({ visibilityTimeoutSeconds: 1 });
    const first = open(options);
    const second = open(options);
    const attempts: number[] = [];
    const slowHandler = async (delivery: Delivery) => {
      attempts.push(delivery.attempt);
      // Over two visibility timeouts: without renewal the other consumer would receive it again.
      await new Promise((resolve) => setTimeout(resolve, 2500));
    };
    first.consume(slowHandler);
    second.consume(slowHandler);

    // Act
    await first.publish(deletionTask('blob-large'));
    await first.drain(10_000);

    // Assess
    expect(attempts).toEqual([1]);
  });

  it('moves a task that failed every attempt to <queue>-dead, with the attempts and the error', async () => {
    // Prepare
    const options = scratch.options({ maxAttempts: 2 });
    const queue = open(options);
    const attempts: number[] = [];
    queue.consume(async (delivery) => {
      attempts.push(delivery.attempt);
      throw new Error('all replicas corrupt');
    });

    // Act
    await queue.publish(deletionTask('blob-poison'));
    await queue.drain(10_000);

    // Assess
    const { QueueUrl } = await inspector.send(
      new GetQueueUrlCommand({ QueueName: `${options.queueName}-dead` }),
    );
    const { Messages = [] } = await inspector.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }),
    );
    expect(attempts).toEqual([1, 2]);
    expect(Messages).toHaveLength(1);
    expect(JSON.parse(Messages[0]!.Body!)).toEqual(deletionTask('blob-poison'));
    const attributes = Messages[0]!.MessageAttributes!;
    expect(attributes.attempts?.StringValue).toBe('2');
    expect(attributes.error?.StringValue).toBe('Error: all replicas corrupt');
    expect(attributes.originalId?.StringValue).toEqual(expect.any(String));
    expect(await queue.stats()).toMatchObject({ pending: 0, deadLetters: 1 });
  });

  it('counts a message being handled as pending, with its age, and dead letters apart', async () => {
    // Prepare
    const queue = open(scratch.options({ maxAttempts: 1 }));
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const started = new Promise<void>((resolve) => {
      queue.consume(async (delivery) => {
        if (blobIdOf(delivery) === 'blob-poison') throw new Error('unreadable replica');
        resolve();
        await held;
      });
    });
    await queue.publish(deletionTask('blob-poison'));
    await queue.publish(deletionTask('blob-held'));
    await started;
    // The lag is the age of the oldest task: time has to pass for it to show.
    await new Promise((resolve) => setTimeout(resolve, 60));

    // Act
    const busy = await queue.stats();
    release();
    await queue.drain(5000);
    const idle = await queue.stats();

    // Assess
    expect(busy.pending).toBe(1);
    expect(busy.lagMs).toBeGreaterThanOrEqual(50);
    expect(busy.lagMs).toBeLessThan(10_000);
    expect(idle).toEqual({ pending: 0, lagMs: 0, deadLetters: busy.deadLetters });
    expect(idle.deadLetters).toBe(1);
  });

  it('creates the queues on first use and shares them between processes of the same name', async () => {
    // Prepare
    const options = scratch.options();
    const producer = open(options);
    const consumer = open(options);
    const seen: string[] = [];

    // Act
    await producer.publish(deletionTask('blob-shared'));
    consumer.consume(async (delivery) => {
      seen.push(blobIdOf(delivery));
    });
    await consumer.drain(5000);

    // Assess
    expect(seen).toEqual(['blob-shared']);
    expect(await producer.stats()).toEqual({ pending: 0, lagMs: 0, deadLetters: 0 });
  });

  it('follows the queue fault rules when wrapped by withQueueFaults (a duplicated publish)', async () => {
    // Prepare
    const engine = createFaultEngine({ clock: systemClock, enabled: true, maxTtlMs: 86_400_000 });
    engine.addRule({ fault: { type: 'duplicate', copies: 1 }, match: { point: 'queue.publish' } });
    const queue = withQueueFaults(open(scratch.options()), engine);
    const seen: string[] = [];
    queue.consume(async (delivery) => {
      seen.push(blobIdOf(delivery));
    });

    // Act
    await queue.publish(deletionTask('blob-twice'));
    await queue.drain();

    // Assess
    expect(seen).toEqual(['blob-twice', 'blob-twice']);
  });

  it('runs on the settings loadConfig parses (frozen, with the dummy credentials of an emulator)', async () => {
    // Prepare
    const names = scratch.options();
    const { sqs } = loadConfig({
      QUEUE_BACKEND: 'sqs',
      SQS_ENDPOINT: names.endpoint,
      SQS_QUEUE_NAME: names.queueName,
    }).queue;
    const queue = open({ ...sqs, endpoint: sqs.endpoint!, credentials: sqs.credentials!, maxAttempts: 1 });
    const seen: string[] = [];
    queue.consume(async (delivery) => {
      seen.push(blobIdOf(delivery));
    });

    // Act
    await queue.publish(deletionTask('blob-configured'));
    await queue.drain(5000);

    // Assess
    expect(Object.isFrozen(sqs.credentials)).toBe(true);
    expect(seen).toEqual(['blob-configured']);
  });

  it('fails a publish fast when SQS is unreachable', async () => {
    // Prepare
    const queue = open(
      scratch.options({ endpoint: `http://127.0.0.1:${await closedPort()}`, commandTimeoutMs: 500 }),
    );
    const startedAt = Date.now();

    // Act
    const publishing = queue.publish(deletionTask('blob-unsent'));

    // Assess
    await expect(publishing).rejects.toThrow(/ECONNREFUSED|connect/i);
    expect(Date.now() - startedAt).toBeLessThan(3000);
  });
});
