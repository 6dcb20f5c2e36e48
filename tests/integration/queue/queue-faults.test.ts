import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { createFaultEngine } from '../../../shared/faults/engine.js';
import { withQueueFaults } from '../../../shared/injection/queue-faults.js';
import {
  createRedisStreamQueue,
  type RedisStreamTaskQueue,
} from '../../../shared/queue/adapters/redis-stream-queue.js';
import type { Task, TaskQueue } from '../../../shared/queue/ports.js';
import { systemClock } from '../../../shared/runtime/clock.js';
import { deletionTask } from '../../support/task-queue-contract.js';
import { chunkPairs, deleteScratchKeys, inspectRedis, REDIS_URL, scratchPrefix } from './redis-scratch.js';

/**
 * `dead_letter` at the queue points, through a real Redis stream: the message is poisoned, so it
 * fails every delivery until the queue dead-letters it — although each delivery is a new object
 * decoded from Redis, which is where a mark kept beside the message would be lost.
 */
const prefix = scratchPrefix('queue-faults');
const inspector = inspectRedis();
const MAX_ATTEMPTS = 2;
let streams = 0;
let opened: RedisStreamTaskQueue[] = [];

afterEach(async () => {
  await Promise.all(opened.map((queue) => queue.close()));
  opened = [];
});

afterAll(async () => {
  await deleteScratchKeys(inspector, prefix);
  await inspector.quit();
});

/** A Redis stream queue behind the fault wrapper, with one dead_letter rule at `point`. */
function poisoningQueue(point: 'queue.publish' | 'queue.consume') {
  streams += 1;
  const stream = `${prefix}tasks-${streams}`;
  const inner = createRedisStreamQueue({
    url: REDIS_URL,
    stream,
    group: 'async',
    consumer: 'consumer-1',
    maxAttempts: MAX_ATTEMPTS,
    claimIdleMs: 150,
    blockMs: 50,
  });
  opened.push(inner);
  const engine = createFaultEngine({ clock: systemClock, enabled: true, maxTtlMs: 600_000 });
  const rule = engine.addRule({
    match: { point, service: 'async', operation: 'delete_from_storage' },
    fault: { type: 'dead_letter' },
    times: 1,
    ttl: '5m',
  });
  return { queue: withQueueFaults(inner, engine) as TaskQueue, stream, ruleId: rule.id };
}

/** The tasks of `<stream>:dead` with the attempts each was given. */
async function deadLetters(stream: string): Promise<{ task: Task; attempts: string }[]> {
  const entries = await inspector.xrange(`${stream}:dead`, '-', '+');
  return entries.map(([, fields]) => {
    const record = Object.fromEntries(chunkPairs(fields));
    return { task: JSON.parse(record.task!) as Task, attempts: record.attempts! };
  });
}

describe.each(['queue.publish', 'queue.consume'] as const)(
  'dead_letter at %s, Redis stream queue',
  (point) => {
    it('poisons the message: its handler never completes it and it ends in the dead letters', async () => {
      // Prepare
      const { queue, stream, ruleId } = poisoningQueue(point);
      const handled: string[] = [];
      queue.consume(async (delivery) => {
        handled.push(delivery.task.blobIds[0]!);
      });

      // Act: the first message meets the rule (times: 1), the second does not
      await queue.publish(deletionTask('blob-poisoned'));
      await queue.publish(deletionTask('blob-healthy'));
      await queue.drain();

      // Assess
      expect(handled).toEqual(['blob-healthy']);
      expect(await deadLetters(stream)).toEqual([
        { task: { ...deletionTask('blob-poisoned'), poisonedBy: ruleId }, attempts: String(MAX_ATTEMPTS) },
      ]);
    });
  },
);

/** A Redis stream queue behind the fault wrapper, one handler at a time, with a reorder rule. */
function reorderingQueue(point: 'queue.publish' | 'queue.consume') {
  streams += 1;
  const inner = createRedisStreamQueue({
    url: REDIS_URL,
    stream: `${prefix}tasks-${streams}`,
    group: 'async',
    consumer: 'consumer-1',
    maxAttempts: MAX_ATTEMPTS,
    concurrency: 1,
    claimIdleMs: 150,
    blockMs: 50,
  });
  opened.push(inner);
  const engine = createFaultEngine({ clock: systemClock, enabled: true, maxTtlMs: 600_000 });
  engine.addRule({ match: { point, service: 'async' }, fault: { type: 'reorder' }, times: 1, ttl: '5m' });
  return withQueueFaults(inner, engine) as TaskQueue;
}

describe.each(['queue.publish', 'queue.consume'] as const)('reorder at %s, Redis stream queue', (point) => {
  it('the first message is overtaken by the second', async () => {
    // Prepare: both published before the consumer starts, so the order is the stream's.
    const queue = reorderingQueue(point);
    const handled: string[] = [];
    await queue.publish(deletionTask('blob-first'));
    await queue.publish(deletionTask('blob-second'));

    // Act
    queue.consume(async (delivery) => {
      handled.push(delivery.task.blobIds[0]!);
    });
    await queue.drain();

    // Assess
    expect(handled).toEqual(['blob-second', 'blob-first']);
  });
});
