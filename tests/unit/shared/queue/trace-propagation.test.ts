import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createHandler } from '../../../../functions/s3-api/handler.js';
import type { LambdaHandler } from '../../../../layers/compose-handler.js';
import { loadConfig } from '../../../../shared/config/env.js';
import { createMemoryQueue } from '../../../../shared/queue/adapters/memory-queue.js';
import type { Delivery } from '../../../../shared/queue/ports.js';
import { queueDestination, withTracePropagation } from '../../../../shared/queue/trace-propagation.js';
import { createTracing, type Tracing } from '../../../../shared/telemetry/tracing.js';
import { AwaitableSpanExporter } from '../../../support/spans.js';
import { apiEvent, createUnitRuntime, type UnitRuntime, unitContext } from '../../../support/unit-runtime.js';

const consumed = (type: string) => (span: ReadableSpan) =>
  span.kind === SpanKind.CONSUMER && span.attributes['mock_s3.task.type'] === type;

/** The span ids from `span` up to its trace's root, among `spans`. */
function lineage(span: ReadableSpan, spans: readonly ReadableSpan[]): string[] {
  const ids: string[] = [];
  for (let at: ReadableSpan | undefined = span; at; ) {
    ids.push(at.spanContext().spanId);
    const parent: string | undefined = at.parentSpanContext?.spanId;
    at =
      parent === undefined ? undefined : spans.find((candidate) => candidate.spanContext().spanId === parent);
  }
  return ids;
}

describe('task trace propagation through the runtime', () => {
  let unit: UnitRuntime;
  let handler: LambdaHandler;

  beforeAll(async () => {
    unit = await createUnitRuntime();
    handler = createHandler(unit.runtime);
    await handler(apiEvent({ method: 'PUT', path: '/traced' }), unitContext());
  });

  afterAll(async () => {
    await unit.runtime.close();
  });

  it("links a PutObject's upload_completed consumption to the PutObject request span", async () => {
    // Act
    const put = await handler(
      apiEvent({ method: 'PUT', path: '/traced/cat.jpg', body: 'meow' }),
      unitContext(),
    );
    await unit.queue.drain();

    // Assess
    expect(put.statusCode).toBe(200);
    const spans = unit.spans.getFinishedSpans();
    const request = spans.find(
      (span) => span.kind === SpanKind.SERVER && span.attributes['rpc.method'] === 'PutObject',
    );
    const consumer = spans.find(consumed('upload_completed'));
    expect(request).toBeDefined();
    expect(consumer).toBeDefined();
    // A trace of its own (the request was answered before), linked to the one that published it:
    // the request span, or the span of its own that was active at publish (its queue port call).
    expect(consumer!.parentSpanContext).toBeUndefined();
    expect(consumer!.spanContext().traceId).not.toBe(request!.spanContext().traceId);
    expect(consumer!.links).toHaveLength(1);
    const linked = spans.find((span) => span.spanContext().spanId === consumer!.links[0]!.context.spanId);
    expect(linked).toBeDefined();
    expect(linked!.spanContext().traceId).toBe(request!.spanContext().traceId);
    expect(lineage(linked!, spans)).toContain(request!.spanContext().spanId);
    expect(consumer!.name).toBe('process tasks');
    expect(consumer!.attributes).toMatchObject({
      'messaging.system': 'memory',
      'messaging.destination.name': 'tasks',
      'messaging.operation.type': 'process',
      'mock_s3.task.attempt': 1,
    });
    expect(typeof consumer!.attributes['messaging.message.id']).toBe('string');
  });
});

describe('withTracePropagation', () => {
  let spans: AwaitableSpanExporter;
  let tracing: Tracing;

  beforeAll(() => {
    spans = new AwaitableSpanExporter();
    tracing = createTracing({ service: 'async', exporter: spans });
  });

  afterAll(async () => {
    await tracing.shutdown();
  });

  it('marks a failed delivery ERROR and links every redelivery to the same publisher', async () => {
    // Prepare
    const queue = withTracePropagation(
      createMemoryQueue({ maxAttempts: 2, retryDelayMs: 1 }),
      tracing.tracer,
    );
    const attempts: Delivery[] = [];
    queue.consume(async (delivery) => {
      attempts.push(delivery);
      if (delivery.attempt === 1) throw new Error('node unreachable');
    });
    let publisherSpanId = '';

    // Act
    await tracing.tracer.startActiveSpan('DeleteObject', async (span) => {
      publisherSpanId = span.spanContext().spanId;
      await queue.publish({ type: 'delete_from_storage', blobIds: ['b1'] });
      span.end();
    });
    await queue.drain();
    await queue.close();

    // Assess
    const deliveries = spans.getFinishedSpans().filter(consumed('delete_from_storage'));
    expect(deliveries.map((span) => span.attributes['mock_s3.task.attempt'])).toEqual([1, 2]);
    expect(deliveries[0]!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'node unreachable' });
    expect(deliveries[1]!.status.code).not.toBe(SpanStatusCode.ERROR);
    for (const delivery of deliveries) expect(delivery.links[0]?.context.spanId).toBe(publisherSpanId);
    expect(attempts.map((delivery) => delivery.task.trace?.traceparent)).toEqual([
      attempts[0]!.task.trace!.traceparent,
      attempts[0]!.task.trace!.traceparent,
    ]);
  });

  it('runs the handler inside the consumer span, so its own spans are children', async () => {
    // Prepare
    spans.reset();
    const queue = withTracePropagation(createMemoryQueue({ maxAttempts: 1 }), tracing.tracer);
    let active: string | undefined;
    queue.consume(async () => {
      active = trace.getActiveSpan()?.spanContext().spanId;
    });

    // Act
    await queue.publish({ type: 'delete_from_storage', blobIds: ['b2'] });
    await queue.drain();
    await queue.close();

    // Assess: published outside any span, so nothing to link to
    const delivery = spans.getFinishedSpans().find(consumed('delete_from_storage'));
    expect(delivery?.links).toEqual([]);
    expect(active).toBe(delivery?.spanContext().spanId);
  });

  it('keeps the carrier a task already has (a duplicated or re-published copy)', async () => {
    // Prepare
    const published: unknown[] = [];
    const inner = createMemoryQueue({ maxAttempts: 1 });
    const queue = withTracePropagation(
      { ...inner, publish: async (task) => void published.push(task) },
      tracing.tracer,
    );
    const trace = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };

    // Act
    await tracing.tracer.startActiveSpan('other request', async (span) => {
      await queue.publish({ type: 'delete_from_storage', blobIds: ['b3'], trace });
      span.end();
    });

    // Assess
    expect(published).toEqual([{ type: 'delete_from_storage', blobIds: ['b3'], trace }]);
    await inner.close();
  });

  it('leaves the queue as it is when nothing records spans', () => {
    // Prepare
    const quiet = createTracing({ service: 'async' });
    const queue = createMemoryQueue({ maxAttempts: 1 });

    // Act / Assess
    expect(withTracePropagation(queue, quiet.tracer)).toBe(queue);
  });

  it('names the destination of each backend', () => {
    const config = (env: Record<string, string>) => loadConfig({ LOG_LEVEL: 'silent', ...env }).queue;
    expect(queueDestination(config({}))).toEqual({ system: 'memory', name: 'tasks' });
    expect(queueDestination(config({ QUEUE_BACKEND: 'redis', REDIS_URL: 'redis://127.0.0.1:6379' }))).toEqual(
      {
        system: 'redis',
        name: 'mock-s3:tasks',
      },
    );
    expect(queueDestination(config({ QUEUE_BACKEND: 'sqs', SQS_QUEUE_NAME: 'drill-tasks' }))).toEqual({
      system: 'aws_sqs',
      name: 'drill-tasks',
    });
  });
});
