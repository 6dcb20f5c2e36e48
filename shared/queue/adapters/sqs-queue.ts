import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  type QueueAttributeName,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { type Clock, systemClock } from '../../runtime/clock.js';
import { type Logger, silentLogger } from '../../telemetry/logger.js';
import { DEFAULT_DRAIN_TIMEOUT_MS, pollUntilDrained } from '../drain.js';
import { InFlightHandlers } from '../in-flight.js';
import {
  DEFAULT_TASK_CONCURRENCY,
  type QueueStats,
  type Task,
  type TaskHandler,
  type TaskQueue,
} from '../ports.js';
import { pauseUnlessStopped, untilStopped as untilStoppedBy } from '../stop-signal.js';
import { OldestPendingEstimate } from './sqs-lag-estimate.js';
import {
  countAttribute,
  deadLetterAttributes,
  decodeTaskBody,
  encodeTaskBody,
  receiveCount,
  sentAtMs,
} from './sqs-messages.js';

export interface SqsQueueOptions {
  /** The SQS endpoint (moto, LocalStack: `http://127.0.0.1:5055`); AWS's regional one when absent. */
  endpoint?: string;
  region: string;
  /** A standard queue, created on first use if missing. */
  queueName: string;
  /** Where tasks go after `maxAttempts`. Default `<queueName>-dead`, created on first use too. */
  deadLetterQueueName?: string;
  /** Deliveries per task before it moves to the dead-letter queue. */
  maxAttempts: number;
  /**
   * How long a received message stays invisible to other consumers: the recovery time after a
   * consumer crash. Running handlers renew it, so a slow handler is not redelivered while it is
   * alive. Sent with each ReceiveMessage, so the queue's own default does not matter. Default 30.
   */
  visibilityTimeoutSeconds?: number;
  /**
   * Redelivery delay after a handler failure (the message's visibility is set to it), doubled with
   * each further attempt, capped at the visibility timeout. 0 redelivers at once. Default 1.
   */
  retryDelaySeconds?: number;
  /** Long poll of one ReceiveMessage, 1..20 s; `close()` waits for the current one. Default 1. */
  waitTimeSeconds?: number;
  /** Handlers running at once. Default {@link DEFAULT_TASK_CONCURRENCY}. */
  concurrency?: number;
  /** Bound on each SQS request other than the long poll, and on connecting. Default 2000 ms. */
  commandTimeoutMs?: number;
  /** How long `close()` waits for running handlers before abandoning them (undeleted). Default 5000 ms. */
  shutdownGraceMs?: number;
  /** Static credentials (moto and LocalStack accept any); the SDK's default chain when absent. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  clock?: Clock;
  logger?: Logger;
}

export interface SqsTaskQueue extends TaskQueue {
  /** Polls `stats()` until nothing is pending; rejects after `timeoutMs` (default 30 s). */
  drain(timeoutMs?: number): Promise<void>;
}

/** The system attributes every receive asks for: the attempt, and the age for the lag estimate. */
const RECEIVE_ATTRIBUTES = ['ApproximateReceiveCount', 'SentTimestamp'] as const;
const PENDING_COUNTERS = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
] as const satisfies readonly QueueAttributeName[];
/** SQS's ceiling on a message's visibility timeout. */
const MAX_VISIBILITY_SECONDS = 43_200;
/** SQS takes at most 10 entries per batch request and returns at most 10 messages per receive. */
const SQS_BATCH_LIMIT = 10;

/**
 * The task queue on Amazon SQS (or an emulator: moto, LocalStack), an alternative to the Redis
 * Stream of stack mode with the same semantics. Delivery is at least once: a message is deleted
 * only after its handler resolved. One whose handler failed is made visible again after
 * `retryDelaySeconds`; one whose consumer died, after `visibilityTimeoutSeconds`. SQS counts the
 * receives, and that count is the `attempt`.
 *
 * After `maxAttempts` the adapter itself sends the message, with the error and the attempt count as
 * message attributes, to the dead-letter queue and deletes it, rather than leaving it to an SQS
 * RedrivePolicy: a redrive moves a message only at its next receive after the last failure and
 * carries no reason, so `drain()` and `stats()` would depend on one more poll, and its emulation in
 * moto would be under test instead of this adapter. The two steps are not atomic: a crash between
 * them leaves a duplicate dead letter, never a lost task.
 */
export function createSqsQueue(options: SqsQueueOptions): SqsTaskQueue {
  const { queueName } = options;
  const deadLetterQueueName = options.deadLetterQueueName ?? `${queueName}-dead`;
  const maxAttempts = positiveInteger('maxAttempts', options.maxAttempts);
  const concurrency = positiveInteger('concurrency', options.concurrency ?? DEFAULT_TASK_CONCURRENCY);
  const visibilityTimeoutSeconds = withinRange(
    'visibilityTimeoutSeconds',
    options.visibilityTimeoutSeconds ?? 30,
    1,
    MAX_VISIBILITY_SECONDS,
  );
  const retryDelaySeconds = withinRange('retryDelaySeconds', options.retryDelaySeconds ?? 1, 0, 900);
  const waitTimeSeconds = withinRange('waitTimeSeconds', options.waitTimeSeconds ?? 1, 1, 20);
  const commandTimeoutMs = options.commandTimeoutMs ?? 2000;
  const shutdownGraceMs = options.shutdownGraceMs ?? 5000;
  const clock = options.clock ?? systemClock;
  const logger = (options.logger ?? silentLogger).child({ queue: queueName });

  const client = new SQSClient({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    // A copy: the SDK records the credentials' source on the object, and the config's is frozen.
    ...(options.credentials ? { credentials: { ...options.credentials } } : {}),
    // One retry: a publish to an unreachable queue fails within seconds instead of backing off.
    maxAttempts: 2,
    // The socket timeout must outlast the long poll; other requests get a shorter abort signal.
    requestHandler: {
      connectionTimeout: commandTimeoutMs,
      requestTimeout: waitTimeSeconds * 1000 + commandTimeoutMs,
    },
  });
  let queueUrls: Promise<{ main: string; dead: string }> | undefined;
  let consumerLoop: Promise<void> | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let closed = false;
  /** Set after the shutdown grace: late handler results are then ignored (the message stays undeleted). */
  let abandoned = false;
  const stopping = new AbortController();
  const inFlight = new InFlightHandlers();
  /** The messages whose handler runs now, by message id: their visibility is renewed, they never start twice. */
  const handling = new Map<string, Receipt>();
  const lag = new OldestPendingEstimate();

  function bounded() {
    return { abortSignal: AbortSignal.timeout(commandTimeoutMs) };
  }

  /** For publish, stats and the consumer loop: refused once closed. */
  async function ready(): Promise<{ main: string; dead: string }> {
    if (closed) throw new Error(`task queue ${queueName} is closed`);
    return urls();
  }

  /** Also for handlers that finish during the shutdown grace: their messages are still deleted. */
  function urls(): Promise<{ main: string; dead: string }> {
    queueUrls ??= createQueues().catch((error: unknown) => {
      queueUrls = undefined;
      throw error;
    });
    return queueUrls;
  }

  /** CreateQueue without attributes is idempotent: it returns the URL of an existing queue as is. */
  async function createQueues(): Promise<{ main: string; dead: string }> {
    const [main, dead] = await Promise.all(
      [queueName, deadLetterQueueName].map(async (name) => {
        const reply = await client.send(new CreateQueueCommand({ QueueName: name }), bounded());
        if (!reply.QueueUrl) throw new Error(`CreateQueue ${name} returned no QueueUrl`);
        return reply.QueueUrl;
      }),
    );
    return { main: main!, dead: dead! };
  }

  async function runConsumer(handler: TaskHandler): Promise<void> {
    // While SQS is unreachable the loop fails every round: log the first failure of a kind, not each one.
    let lastFailure = '';
    while (!closed) {
      try {
        if (inFlight.size >= concurrency) {
          await untilStopped(inFlight.oneFinished());
          continue;
        }
        const { main } = await ready();
        const reply = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: main,
            MaxNumberOfMessages: Math.min(SQS_BATCH_LIMIT, concurrency - inFlight.size),
            WaitTimeSeconds: waitTimeSeconds,
            VisibilityTimeout: visibilityTimeoutSeconds,
            MessageSystemAttributeNames: [...RECEIVE_ATTRIBUTES],
          }),
        );
        for (const message of reply.Messages ?? []) receive(handler, message);
        if (lastFailure) logger.info('task queue consumer loop recovered');
        lastFailure = '';
      } catch (error) {
        if (closed) break;
        const message = errorMessage(error);
        if (message.includes('NonExistentQueue')) queueUrls = undefined;
        if (message !== lastFailure) logger.warn('task queue consumer loop failed; retrying', { error });
        lastFailure = message;
        await pause(1000);
      }
    }
  }

  function receive(handler: TaskHandler, message: Message): void {
    const id = message.MessageId;
    const receipt = message.ReceiptHandle;
    if (!id || !receipt) return;
    const running = handling.get(id);
    if (running) {
      // Its visibility lapsed while the handler still runs (a renewal failed): keep the newest
      // receipt handle, the one SQS accepts for the delete, and do not start the task twice.
      running.handle = receipt;
      return;
    }
    const entry: Receipt = { id, handle: receipt };
    handling.set(id, entry);
    lag.handling(id, sentAtMs(message) ?? clock.now().getTime());
    void inFlight.track(
      handle(handler, message, entry)
        .catch((error: unknown) =>
          logger.error('task left undeleted after an SQS failure', { taskId: id, error }),
        )
        .finally(() => {
          release(entry);
          if (!handling.has(id)) lag.handled(id);
        }),
    );
  }

  /** Stops renewing a message; a redelivery of it already running under a new entry is left alone. */
  function release(entry: Receipt): void {
    if (handling.get(entry.id) === entry) handling.delete(entry.id);
  }

  async function handle(handler: TaskHandler, message: Message, entry: Receipt): Promise<void> {
    const { id } = entry;
    const attempt = receiveCount(message);
    const task = decodeTaskBody(message.Body);
    if (task === undefined) return deadLetter(message, entry, attempt, 'unreadable task message');
    if (attempt > maxAttempts) {
      return deadLetter(message, entry, attempt - 1, 'consumer lost the task during its last attempt');
    }
    try {
      await handler({ id, task, attempt });
    } catch (error) {
      if (abandoned) return;
      if (attempt >= maxAttempts) return deadLetter(message, entry, attempt, errorMessage(error));
      const delaySeconds = Math.min(visibilityTimeoutSeconds, retryDelaySeconds * 2 ** (attempt - 1));
      logger.warn('task failed, will redeliver', {
        taskId: id,
        type: task.type,
        attempt,
        afterMs: delaySeconds * 1000,
        error,
      });
      // Stops the heartbeat renewing it before shortening its visibility to the retry delay.
      release(entry);
      await client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: (await urls()).main,
          ReceiptHandle: entry.handle,
          VisibilityTimeout: delaySeconds,
        }),
        bounded(),
      );
      return;
    }
    if (abandoned) return;
    await deleteMessage(entry);
  }

  async function deleteMessage(entry: Receipt): Promise<void> {
    release(entry);
    const { main } = await urls();
    await client.send(new DeleteMessageCommand({ QueueUrl: main, ReceiptHandle: entry.handle }), bounded());
  }

  async function deadLetter(
    message: Message,
    entry: Receipt,
    attempts: number,
    error: string,
  ): Promise<void> {
    if (abandoned) return;
    const { id } = entry;
    logger.error('task dead-lettered', { taskId: id, attempts, error });
    const { dead } = await urls();
    await client.send(
      new SendMessageCommand({
        QueueUrl: dead,
        // SQS refuses an empty body; a readable task is never empty.
        MessageBody: message.Body || '(empty message)',
        MessageAttributes: deadLetterAttributes({
          originalId: id,
          attempts,
          error,
          deadAtMs: clock.now().getTime(),
        }),
      }),
      bounded(),
    );
    await deleteMessage(entry);
  }

  /** Extends the visibility of running handlers' messages, so no other consumer takes them over. */
  function renewVisibility(): void {
    if (handling.size === 0 || closed || queueUrls === undefined) return;
    const entries = [...handling.values()].map((entry, index) => ({
      Id: String(index),
      ReceiptHandle: entry.handle,
      VisibilityTimeout: visibilityTimeoutSeconds,
    }));
    void (async () => {
      const { main } = await ready();
      for (let start = 0; start < entries.length; start += SQS_BATCH_LIMIT) {
        const reply = await client.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: main,
            Entries: entries.slice(start, start + SQS_BATCH_LIMIT),
          }),
          bounded(),
        );
        if (reply.Failed?.length) {
          logger.warn('could not renew the visibility of running tasks', { failed: reply.Failed });
        }
      }
    })().catch((error: unknown) => logger.warn('could not renew the visibility of running tasks', { error }));
  }

  const untilStopped = (event: Promise<unknown>) => untilStoppedBy(stopping.signal, event);
  const pause = (ms: number) => pauseUnlessStopped(stopping.signal, ms);

  /**
   * Counts from GetQueueAttributes, which SQS documents as approximate (exact on moto). `pending`
   * is visible + in flight + delayed; `lagMs` is estimated (see {@link OldestPendingEstimate}).
   */
  async function stats(): Promise<QueueStats> {
    const { main, dead } = await ready();
    const [mainReply, deadReply] = await Promise.all([
      client.send(
        new GetQueueAttributesCommand({ QueueUrl: main, AttributeNames: [...PENDING_COUNTERS] }),
        bounded(),
      ),
      client.send(
        new GetQueueAttributesCommand({ QueueUrl: dead, AttributeNames: [...PENDING_COUNTERS] }),
        bounded(),
      ),
    ]);
    const count = (attributes: Record<string, string> | undefined) =>
      PENDING_COUNTERS.reduce((sum, name) => sum + countAttribute(attributes, name), 0);
    const pending = count(mainReply.Attributes);
    return {
      pending,
      lagMs: lag.lagMs(pending, clock.now().getTime()),
      deadLetters: count(deadReply.Attributes),
    };
  }

  return {
    async publish(task: Task) {
      const { main } = await ready();
      await client.send(
        new SendMessageCommand({ QueueUrl: main, MessageBody: encodeTaskBody(task) }),
        bounded(),
      );
      lag.published(clock.now().getTime());
    },

    consume(handler) {
      if (closed) throw new Error(`task queue ${queueName} is closed`);
      if (consumerLoop) throw new Error(`task queue ${queueName} already has a consumer`);
      // Three renewals per visibility timeout: one lost request does not let the message go.
      heartbeat = setInterval(renewVisibility, Math.floor((visibilityTimeoutSeconds * 1000) / 3));
      heartbeat.unref();
      consumerLoop = runConsumer(handler);
    },

    stats,

    drain(timeoutMs = DEFAULT_DRAIN_TIMEOUT_MS) {
      return pollUntilDrained(stats, { timeoutMs, queueName });
    },

    async close() {
      if (closed) return;
      closed = true;
      stopping.abort();
      clearInterval(heartbeat);
      // Not aborted: messages SQS already handed to the current long poll would stay invisible for
      // a visibility timeout and lose an attempt. It ends within waitTimeSeconds.
      await consumerLoop;
      if (!(await inFlight.settleWithin(shutdownGraceMs))) {
        abandoned = true;
        logger.warn('task queue closed with handlers still running; their tasks stay undeleted', {
          running: inFlight.size,
        });
      }
      client.destroy();
    },
  };
}

/** A received message whose handler runs; `handle` is its newest receipt handle. */
interface Receipt {
  id: string;
  handle: string;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function positiveInteger(name: string, value: number): number {
  return withinRange(name, value, 1, Number.MAX_SAFE_INTEGER);
}

function withinRange(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  return value;
}
