import { afterAll, describe, expect, it } from '@jest/globals';
import { SpanKind } from '@opentelemetry/api';
import { createRedisStreamQueue } from '../../../shared/queue/adapters/redis-stream-queue.js';
import { createSqsQueue } from '../../../shared/queue/adapters/sqs-queue.js';
import type { Delivery, TaskQueue } from '../../../shared/queue/ports.js';
import { type QueueDestination, withTracePropagation } from '../../../shared/queue/trace-propagation.js';
import { createTracing } from '../../../shared/telemetry/tracing.js';
import { AwaitableSpanExporter } from '../../support/spans.js';
import { deleteScratchKeys, inspectRedis, REDIS_URL, scratchPrefix } from './redis-scratch.js';
import { deleteScratchQueues, inspectSqs, scratchQueues } from './sqs-scratch.js';

/**
 * The publisher's trace context travels in the task message through the real brokers: the
 * consumer's span links to the span that published it, whichever process reads the message.
 */
const prefix = scratchPrefix('trace');
const redis = inspectRedis();
const sqsScratch = scratchQueues('trace');
const sqs = inspectSqs();
const spans = new AwaitableSpanExporter();
const tracing = createTracing({ service: 'async', exporter: spans });

afterAll(async () => {
  await deleteScratchKeys(redis, prefix);
  await redis.quit();
  await deleteScratchQueues(sqs, sqsScratch.names);
  sqs.destroy();
  await tracing.shutdown();
});

/** Publishes one task inside a request span and resolves with that span's id and the delivery. */
async function publishAndReceive(raw: TaskQueue, destination: QueueDestination) {
  const queue = withTracePropagation(raw, tracing.tracer, destination);
  let delivered!: (delivery: Delivery) => void;
  const received = new Promise<Delivery>((resolve) => {
    delivered = resolve;
  });
  queue.consume(async (delivery) => delivered(delivery));
  const blobId = `blob-${destination.name}`;
  const publisher = await tracing.tracer.startActiveSpan('PutObject', async (span) => {
    await queue.publish({ type: 'delete_from_storage', blobIds: [blobId] });
    span.end();
    return span.spanContext();
  });
  const delivery = await received;
  const consumer = await spans.ended(
    (span) =>
      span.kind === SpanKind.CONSUMER && span.attributes['messaging.destination.name'] === destination.name,
  );
  await queue.close();
  return { publisher, delivery, consumer, blobId };
}

describe('trace context through the brokers', () => {
  it('survives a Redis stream: the consumer span links to the publisher', async () => {
    // Prepare
    const stream = `${prefix}tasks`;
    const raw = createRedisStreamQueue({
      url: REDIS_URL,
      stream,
      group: 'async',
      consumer: 'trace-test',
      maxAttempts: 1,
      claimIdleMs: 1_000,
      blockMs: 50,
    });

    // Act
    const { publisher, delivery, consumer } = await publishAndReceive(raw, { system: 'redis', name: stream });

    // Assess
    expect(delivery.task.trace?.traceparent).toBe(`00-${publisher.traceId}-${publisher.spanId}-01`);
    expect(consumer.links[0]?.context).toMatchObject({
      traceId: publisher.traceId,
      spanId: publisher.spanId,
    });
    expect(consumer.attributes['messaging.message.id']).toBe(delivery.id);
  });

  it('survives an SQS message: the consumer span links to the publisher', async () => {
    // Prepare
    const options = sqsScratch.options({ maxAttempts: 1 });
    const raw = createSqsQueue(options);

    // Act
    const { publisher, delivery, consumer } = await publishAndReceive(raw, {
      system: 'aws_sqs',
      name: options.queueName,
    });

    // Assess
    expect(delivery.task.trace?.traceparent).toBe(`00-${publisher.traceId}-${publisher.spanId}-01`);
    expect(consumer.links[0]?.context).toMatchObject({
      traceId: publisher.traceId,
      spanId: publisher.spanId,
    });
  });
});
