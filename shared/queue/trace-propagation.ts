import {
  isSpanContextValid,
  type Link,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { Config } from '../config/env.js';
import { contextFromHeaders, traceCarrier } from '../telemetry/propagation.js';
import { isRecording } from '../telemetry/tracing.js';
import { type Delivery, REDIS_TASK_STREAM, type TaskHandler, type TaskQueue } from './ports.js';

/** Where the tasks go, as the messaging semantic conventions name it. */
export interface QueueDestination {
  /** `messaging.system`: `memory`, `redis`, or `aws_sqs`. */
  system: string;
  /** `messaging.destination.name`: the stream or queue name. */
  name: string;
}

// The messaging attributes (https://opentelemetry.io/docs/specs/semconv/messaging/messaging-spans/)
// are still "development" in @opentelemetry/semantic-conventions (its incubating entry point, which
// may rename them in any release): spelled out here.
const MESSAGING_SYSTEM = 'messaging.system';
const MESSAGING_DESTINATION_NAME = 'messaging.destination.name';
const MESSAGING_OPERATION_TYPE = 'messaging.operation.type';
const MESSAGING_OPERATION_NAME = 'messaging.operation.name';
const MESSAGING_MESSAGE_ID = 'messaging.message.id';
export const TASK_TYPE_ATTRIBUTE = 'mock_s3.task.type';
export const TASK_ATTEMPT_ATTRIBUTE = 'mock_s3.task.attempt';

const IN_MEMORY: QueueDestination = { system: 'memory', name: 'tasks' };

/** Where the runtime's task queue lives, by backend (the stream and queue create-runtime opens). */
export function queueDestination(queue: Readonly<Config['queue']>): QueueDestination {
  if (queue.backend === 'redis') return { system: 'redis', name: REDIS_TASK_STREAM };
  if (queue.backend === 'sqs') return { system: 'aws_sqs', name: queue.sqs.queueName };
  return IN_MEMORY;
}

/**
 * Carries the trace context of the request that published a task to the process that runs it.
 * `publish` stores the active context in `task.trace` (W3C `traceparent`/`tracestate`, serialised
 * with the task through Redis or SQS; a task that already carries one, a redelivered or duplicated
 * copy, keeps it). Each delivery runs in a CONSUMER span of `tracer` (the `async` service) that
 * starts a trace of its own (the request was answered long ago) with a LINK to the publisher's
 * span, and the messaging attributes; a handler that throws marks it ERROR.
 *
 * With a tracer that is not recording the queue is returned as it is: no span would be exported
 * and no carrier read.
 */
export function withTracePropagation(
  queue: TaskQueue,
  tracer: Tracer,
  destination: QueueDestination = IN_MEMORY,
): TaskQueue {
  if (!isRecording(tracer)) return queue;

  const traced =
    (handler: TaskHandler): TaskHandler =>
    (delivery: Delivery) => {
      const carrier = delivery.task.trace;
      const publisher = carrier && trace.getSpanContext(contextFromHeaders({ ...carrier }, ROOT_CONTEXT));
      const links: Link[] = publisher && isSpanContextValid(publisher) ? [{ context: publisher }] : [];
      return tracer.startActiveSpan(
        `process ${destination.name}`,
        {
          kind: SpanKind.CONSUMER,
          root: true,
          links,
          attributes: {
            [MESSAGING_SYSTEM]: destination.system,
            [MESSAGING_DESTINATION_NAME]: destination.name,
            [MESSAGING_OPERATION_TYPE]: 'process',
            [MESSAGING_OPERATION_NAME]: 'process',
            [MESSAGING_MESSAGE_ID]: delivery.id,
            [TASK_TYPE_ATTRIBUTE]: delivery.task.type,
            [TASK_ATTEMPT_ATTRIBUTE]: delivery.attempt,
          },
        },
        ROOT_CONTEXT,
        async (span) => {
          try {
            await handler(delivery);
          } catch (error) {
            span.recordException(error as Error);
            span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
            throw error;
          } finally {
            span.end();
          }
        },
      );
    };

  return {
    publish(task) {
      if (task.trace !== undefined) return queue.publish(task);
      const carrier = traceCarrier();
      return queue.publish(carrier === undefined ? task : { ...task, trace: carrier });
    },
    consume: (handler) => queue.consume(traced(handler)),
    stats: () => queue.stats(),
    drain: () => queue.drain(),
    close: () => queue.close(),
  };
}
