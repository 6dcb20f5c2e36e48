import type { TraceCarrier } from '../telemetry/propagation.js';

/** Tasks the async service runs after the S3 request has been answered. */
export type Task = TaskBody & {
  /**
   * Set by an injected `dead_letter` fault (the rule's id): a poison message, which fails every
   * delivery until the queue dead-letters it. Carried in the message, so it holds through Redis or
   * SQS and whichever process receives it.
   */
  poisonedBy?: string;
  /**
   * Set by an injected `reorder` at `queue.consume` on the copy it sends to the back of the queue:
   * that copy met the point once already and is handled as it comes.
   */
  reordered?: true;
  /**
   * The trace context of the request that published the task (W3C `traceparent`/`tracestate`):
   * its consumption is a span linked to that request, in whichever process receives it.
   */
  trace?: TraceCarrier;
};

type TaskBody =
  | {
      type: 'upload_completed';
      bucket: string;
      key: string;
      /** The blobs the committed object is made of: each is verified and repaired to R. */
      blobIds: string[];
    }
  | {
      type: 'delete_from_storage';
      /** Blobs no longer referenced by metadata. */
      blobIds: string[];
    };

export type TaskType = Task['type'];

/**
 * Handlers a consumer runs at once, by default. Tasks spend most of their time waiting (file
 * operations, metadata queries, and a delete's reference look-up gathers other tasks' look-ups for
 * a few ms), so a small number starves the queue: with 4, deletes topped out below 800 a second
 * while a PUT-overwrite load published more, and the backlog grew for as long as the load lasted.
 */
export const DEFAULT_TASK_CONCURRENCY = 32;

/** The Redis stream of the runtime's task queue (QUEUE_BACKEND=redis), and its span's destination. */
export const REDIS_TASK_STREAM = 'mock-s3:tasks';

/** A delivered task. `attempt` starts at 1 and grows with each redelivery. */
export interface Delivery {
  id: string;
  task: Task;
  attempt: number;
}

export type TaskHandler = (delivery: Delivery) => Promise<void>;

export interface QueueStats {
  /** Tasks published and not yet acknowledged. */
  pending: number;
  /** Age in ms of the oldest unacknowledged task (0 when idle). */
  lagMs: number;
  deadLetters: number;
}

export interface TaskQueue {
  publish(task: Task): Promise<void>;
  /**
   * Starts delivering tasks to the handler. A task is acknowledged when the handler resolves and
   * redelivered when it throws, up to the configured attempts; then it goes to the dead letters.
   */
  consume(handler: TaskHandler): void;
  stats(): Promise<QueueStats>;
  /** Resolves when every published task has been handled (or dead-lettered). For tests and reset. */
  drain(): Promise<void>;
  close(): Promise<void>;
}
