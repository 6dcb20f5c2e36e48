import type { Redis } from 'ioredis';
import { closeRedis, openRedis, whenReady } from '../../cache/adapters/redis-connection.js';
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
import {
  decodeTask,
  encodeTaskFields,
  parseAutoClaimReply,
  parseDeliveryCounts,
  parseGroupInfo,
  parsePendingSummary,
  parseReadGroupReply,
  type StreamEntry,
  streamIdTimeMs,
} from './redis-stream-replies.js';

export interface RedisStreamQueueOptions {
  url: string;
  stream: string;
  group: string;
  /** Unique per process: a crashed consumer's messages are found by its name in the pending list. */
  consumer: string;
  /** Deliveries per task before it moves to `<stream>:dead`. */
  maxAttempts: number;
  /**
   * A delivered message unacknowledged for this long is taken over by any consumer: this is both the
   * redelivery delay after a handler failure and the recovery time after a consumer crash. Running
   * handlers renew their claim, so a slow handler is not redelivered while it is alive.
   */
  claimIdleMs: number;
  /** How long one XREADGROUP waits for new messages. Default: half of claimIdleMs, within 50..2000 ms. */
  blockMs?: number;
  /** Handlers running at once. Default {@link DEFAULT_TASK_CONCURRENCY}. */
  concurrency?: number;
  /** Bound on each Redis command and on waiting for a connection. Default 1000 ms. */
  commandTimeoutMs?: number;
  /**
   * Approximate cap on the stream length (`XADD MAXLEN ~`); acknowledged entries are only removed by
   * this trimming. A backlog larger than the cap loses its oldest tasks. Default 100 000.
   */
  maxLength?: number;
  /** How long `close()` waits for running handlers before abandoning them (unacknowledged). Default 5000 ms. */
  shutdownGraceMs?: number;
  clock?: Clock;
  logger?: Logger;
}

export interface RedisStreamTaskQueue extends TaskQueue {
  /** Polls `stats()` until nothing is pending; rejects after `timeoutMs` (default 30 s). */
  drain(timeoutMs?: number): Promise<void>;
}

/**
 * The task queue of stack mode, on a Redis Stream with one consumer group shared by every async
 * service process. Delivery is at least once: a message is acknowledged (XACK) only after its handler
 * resolved; one whose handler failed, or whose consumer died, stays pending and is taken over with
 * XAUTOCLAIM after `claimIdleMs`, its delivery count becoming the `attempt`. After `maxAttempts` it is
 * copied to `<stream>:dead` and acknowledged, in one MULTI.
 *
 * Publishing fails fast (`RedisUnavailableError` or a command timeout) when Redis is unreachable: the
 * caller sees the error, nothing is queued in the client to be replayed later.
 */
export function createRedisStreamQueue(options: RedisStreamQueueOptions): RedisStreamTaskQueue {
  const { stream, group, consumer, claimIdleMs } = options;
  const maxAttempts = positiveInteger('maxAttempts', options.maxAttempts);
  const concurrency = positiveInteger('concurrency', options.concurrency ?? DEFAULT_TASK_CONCURRENCY);
  positiveInteger('claimIdleMs', claimIdleMs);
  const blockMs = options.blockMs ?? Math.min(2000, Math.max(50, Math.floor(claimIdleMs / 2)));
  const commandTimeoutMs = options.commandTimeoutMs ?? 1000;
  const maxLength = options.maxLength ?? 100_000;
  const shutdownGraceMs = options.shutdownGraceMs ?? 5000;
  const clock = options.clock ?? systemClock;
  const logger = (options.logger ?? silentLogger).child({ stream, group, consumer });
  const deadStream = `${stream}:dead`;

  const commands = openRedis({
    url: options.url,
    connectionName: `task-queue:${consumer}`,
    commandTimeoutMs,
    logger,
  });
  let reader: Redis | undefined;
  let groupCreated: Promise<void> | undefined;
  let consumerLoop: Promise<void> | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let lastReclaimMs = 0;
  let closed = false;
  /** Set after the shutdown grace: late handler results are then ignored (the message stays pending). */
  let abandoned = false;
  const stopping = new AbortController();
  const inFlight = new InFlightHandlers();
  /** Ids this consumer is handling now: their claim is renewed, and they are never started twice. */
  const handling = new Set<string>();

  async function ready(): Promise<void> {
    if (closed) throw new Error(`task queue ${stream} is closed`);
    await whenReady(commands, commandTimeoutMs);
    groupCreated ??= createGroup().catch((error: unknown) => {
      groupCreated = undefined;
      throw error;
    });
    await groupCreated;
  }

  async function createGroup(): Promise<void> {
    try {
      // From id 0, not `$`: tasks published before the first consumer started are delivered too.
      await commands.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith('BUSYGROUP'))) throw error;
    }
  }

  async function runConsumer(handler: TaskHandler, connection: Redis): Promise<void> {
    // While Redis is down the loop fails every round: log the first failure of a kind, not each one.
    let lastFailure = '';
    while (!closed) {
      try {
        if (inFlight.size >= concurrency) {
          await untilStopped(inFlight.oneFinished());
          continue;
        }
        await ready();
        if (clock.now().getTime() - lastReclaimMs >= claimIdleMs / 2) await reclaimStuck(handler);
        if (inFlight.size >= concurrency) continue;
        await whenReady(connection, commandTimeoutMs);
        const reply = await connection.xreadgroup(
          'GROUP',
          group,
          consumer,
          'COUNT',
          concurrency - inFlight.size,
          'BLOCK',
          blockMs,
          'STREAMS',
          stream,
          '>',
        );
        for (const entry of parseReadGroupReply(reply)) start(handler, entry, 1);
        if (lastFailure) logger.info('task queue consumer loop recovered');
        lastFailure = '';
      } catch (error) {
        if (closed) break;
        const message = errorMessage(error);
        if (message.includes('NOGROUP')) groupCreated = undefined;
        if (message !== lastFailure) logger.warn('task queue consumer loop failed; retrying', { error });
        lastFailure = message;
        await pause(Math.min(1000, claimIdleMs));
      }
    }
  }

  /** Takes over messages idle longer than claimIdleMs (failed handlers, dead consumers). */
  async function reclaimStuck(handler: TaskHandler): Promise<void> {
    lastReclaimMs = clock.now().getTime();
    let cursor = '0-0';
    do {
      const room = concurrency - inFlight.size;
      if (room <= 0 || closed) return;
      const claimed = parseAutoClaimReply(
        await commands.xautoclaim(stream, group, consumer, claimIdleMs, cursor, 'COUNT', room),
      );
      cursor = claimed.cursor;
      if (claimed.deletedIds.length > 0) {
        logger.error('pending tasks were trimmed from the stream before being handled', {
          ids: claimed.deletedIds,
        });
      }
      const entries = claimed.entries.filter((entry) => !handling.has(entry.id));
      if (entries.length === 0) continue;
      const counts = parseDeliveryCounts(
        await commands.xpending(
          stream,
          group,
          entries[0]!.id,
          entries.at(-1)!.id,
          entries.length + handling.size,
          consumer,
        ),
      );
      for (const entry of entries) start(handler, entry, counts.get(entry.id) ?? 2);
    } while (cursor !== '0-0');
  }

  function start(handler: TaskHandler, entry: StreamEntry, attempt: number): void {
    handling.add(entry.id);
    void inFlight.track(
      handle(handler, entry, attempt)
        .catch((error: unknown) =>
          logger.error('task left pending after a redis failure', { taskId: entry.id, error }),
        )
        .finally(() => handling.delete(entry.id)),
    );
  }

  async function handle(handler: TaskHandler, entry: StreamEntry, attempt: number): Promise<void> {
    const task = decodeTask(entry.fields);
    if (task === undefined) return deadLetter(entry, attempt, 'unreadable task entry');
    if (attempt > maxAttempts) {
      return deadLetter(entry, attempt - 1, 'consumer lost the task during its last attempt');
    }
    try {
      await handler({ id: entry.id, task, attempt });
    } catch (error) {
      if (abandoned) return;
      if (attempt >= maxAttempts) return deadLetter(entry, attempt, errorMessage(error));
      logger.warn('task failed, will redeliver', {
        taskId: entry.id,
        type: task.type,
        attempt,
        afterMs: claimIdleMs,
        error,
      });
      return;
    }
    if (abandoned) return;
    await commands.xack(stream, group, entry.id);
  }

  async function deadLetter(entry: StreamEntry, attempts: number, error: string): Promise<void> {
    if (abandoned) return;
    logger.error('task dead-lettered', { taskId: entry.id, attempts, error });
    const results = await commands
      .multi()
      .xadd(
        deadStream,
        '*',
        'task',
        entry.fields?.task ?? '',
        'originalId',
        entry.id,
        'attempts',
        String(attempts),
        'error',
        error,
        'deadAt',
        String(clock.now().getTime()),
      )
      .xack(stream, group, entry.id)
      .exec();
    const failure = results?.find(([commandError]) => commandError)?.[0];
    if (!results || failure) throw failure ?? new Error('dead-letter transaction was aborted');
  }

  /** Renews the claim on running handlers' messages (XCLAIM JUSTID: no delivery count increment). */
  function renewClaims(): void {
    if (handling.size === 0 || commands.status !== 'ready') return;
    commands
      .xclaim(stream, group, consumer, 0, ...handling, 'JUSTID')
      .catch((error: unknown) => logger.warn('could not renew claims on running tasks', { error }));
  }

  const untilStopped = (event: Promise<unknown>) => untilStoppedBy(stopping.signal, event);
  const pause = (ms: number) => pauseUnlessStopped(stopping.signal, ms);

  async function stats(): Promise<QueueStats> {
    await ready();
    const [summaryReply, groupsReply, deadLetters] = await Promise.all([
      commands.xpending(stream, group),
      commands.xinfo('GROUPS', stream),
      commands.xlen(deadStream),
    ]);
    const summary = parsePendingSummary(summaryReply);
    const info = parseGroupInfo(groupsReply, group);
    const lastDeliveredId = info?.lastDeliveredId ?? '0-0';
    let undelivered = info?.lag;
    let oldestId = summary.oldestId;
    if (undelivered === undefined || (oldestId === undefined && undelivered > 0)) {
      // Redis < 7 (or a lag Redis cannot compute): count what is after the group's cursor, up to a bound.
      const after = await commands.xrange(stream, `(${lastDeliveredId}`, '+', 'COUNT', 10_000);
      undelivered ??= after.length;
      oldestId ??= after[0]?.[0];
    }
    const pending = summary.count + undelivered;
    const lagMs = pending > 0 && oldestId ? Math.max(0, clock.now().getTime() - streamIdTimeMs(oldestId)) : 0;
    return { pending, lagMs, deadLetters };
  }

  return {
    async publish(task: Task) {
      await ready();
      await commands.xadd(
        stream,
        'MAXLEN',
        '~',
        maxLength,
        '*',
        ...encodeTaskFields(task, clock.now().getTime()),
      );
    },

    consume(handler) {
      if (closed) throw new Error(`task queue ${stream} is closed`);
      if (consumerLoop) throw new Error(`task queue ${stream} already has a consumer`);
      // XREADGROUP BLOCK holds its connection, so it gets its own; its timeout must outlast the block.
      const connection = openRedis({
        url: options.url,
        connectionName: `task-queue-reader:${consumer}`,
        commandTimeoutMs: blockMs + commandTimeoutMs,
        logger,
      });
      reader = connection;
      heartbeat = setInterval(renewClaims, Math.max(20, Math.floor(claimIdleMs / 3)));
      heartbeat.unref();
      consumerLoop = runConsumer(handler, connection);
    },

    stats,

    drain(timeoutMs = DEFAULT_DRAIN_TIMEOUT_MS) {
      return pollUntilDrained(stats, { timeoutMs, queueName: stream });
    },

    async close() {
      if (closed) return;
      closed = true;
      stopping.abort();
      clearInterval(heartbeat);
      // Disconnecting rejects the blocked XREADGROUP at once, so the loop ends without waiting blockMs.
      reader?.disconnect();
      await consumerLoop;
      if (!(await inFlight.settleWithin(shutdownGraceMs))) {
        abandoned = true;
        logger.warn('task queue closed with handlers still running; their tasks stay pending', {
          running: inFlight.size,
        });
      }
      await closeRedis(commands);
    },
  };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}
