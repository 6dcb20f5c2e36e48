import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { Task } from '../ports.js';
import { decodeTask } from './redis-stream-replies.js';

/** The SendMessage body of a task: the task as JSON, as in the Redis stream's `task` field. */
export function encodeTaskBody(task: Task): string {
  return JSON.stringify(task);
}

/** The task of a received message, or undefined when it is not a task we know (then it is dead-lettered). */
export function decodeTaskBody(body: string | undefined): Task | undefined {
  return body === undefined ? undefined : decodeTask({ task: body });
}

/**
 * The delivery number of a received message: SQS counts receives (`ApproximateReceiveCount`), which
 * is the port's `attempt`. "Approximate" only under concurrent receives of one message, which a
 * visibility timeout prevents.
 */
export function receiveCount(message: Message): number {
  const count = Number(message.Attributes?.ApproximateReceiveCount);
  return Number.isInteger(count) && count > 0 ? count : 1;
}

/** When the message was first sent (`SentTimestamp`, ms since the epoch), or undefined if absent. */
export function sentAtMs(message: Message): number | undefined {
  const sent = Number(message.Attributes?.SentTimestamp);
  return Number.isFinite(sent) && sent > 0 ? sent : undefined;
}

/** Why a message went to the dead-letter queue; carried as message attributes next to the original body. */
export interface DeadLetterReason {
  originalId: string;
  attempts: number;
  error: string;
  deadAtMs: number;
}

/** Message attributes of a dead letter, readable in any SQS console or `aws sqs receive-message`. */
export function deadLetterAttributes(reason: DeadLetterReason): Record<string, MessageAttributeValue> {
  const text = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });
  const number = (value: number): MessageAttributeValue => ({
    DataType: 'Number',
    StringValue: String(value),
  });
  return {
    originalId: text(reason.originalId),
    attempts: number(reason.attempts),
    // SQS rejects empty attribute values.
    error: text(reason.error.slice(0, 4096) || 'unknown error'),
    deadAt: number(reason.deadAtMs),
  };
}

/** A queue's counters from GetQueueAttributes (absent ones count as 0). */
export function countAttribute(attributes: Record<string, string> | undefined, name: string): number {
  const value = Number(attributes?.[name]);
  return Number.isFinite(value) && value > 0 ? value : 0;
}
