import { describe, expect, it } from '@jest/globals';
import {
  countAttribute,
  deadLetterAttributes,
  decodeTaskBody,
  encodeTaskBody,
  receiveCount,
  sentAtMs,
} from '../../../../shared/queue/adapters/sqs-messages.js';
import type { Task } from '../../../../shared/queue/ports.js';

describe('SQS task messages', () => {
  it('round-trips a task through the message body', () => {
    // Prepare
    const task: Task = { type: 'upload_completed', bucket: 'photos', key: 'a/b.jpg', blobIds: ['b1', 'b2'] };

    // Act
    const decoded = decodeTaskBody(encodeTaskBody(task));

    // Assess
    expect(decoded).toEqual(task);
  });

  it.each([
    ['not JSON', '{oops'],
    ['an unknown type', JSON.stringify({ type: 'format_disk', blobIds: [] })],
    ['no body', undefined],
  ])('reads no task from %s', (_case, body) => {
    // Act
    const decoded = decodeTaskBody(body);

    // Assess
    expect(decoded).toBeUndefined();
  });

  it('takes the attempt from ApproximateReceiveCount, 1 when SQS sent none', () => {
    // Act
    const third = receiveCount({ Attributes: { ApproximateReceiveCount: '3' } });
    const missing = receiveCount({});

    // Assess
    expect(third).toBe(3);
    expect(missing).toBe(1);
  });

  it('reads SentTimestamp as epoch milliseconds', () => {
    // Act
    const sent = sentAtMs({ Attributes: { SentTimestamp: '1700000000123' } });
    const missing = sentAtMs({ Attributes: {} });

    // Assess
    expect(sent).toBe(1_700_000_000_123);
    expect(missing).toBeUndefined();
  });

  it('describes a dead letter with typed message attributes, never an empty error', () => {
    // Act
    const attributes = deadLetterAttributes({ originalId: 'm-1', attempts: 5, error: '', deadAtMs: 42 });

    // Assess
    expect(attributes).toEqual({
      originalId: { DataType: 'String', StringValue: 'm-1' },
      attempts: { DataType: 'Number', StringValue: '5' },
      error: { DataType: 'String', StringValue: 'unknown error' },
      deadAt: { DataType: 'Number', StringValue: '42' },
    });
  });

  it('counts absent or malformed queue counters as 0', () => {
    // Act
    const counts = ['ApproximateNumberOfMessages', 'Missing', 'Bad'].map((name) =>
      countAttribute({ ApproximateNumberOfMessages: '7', Bad: 'x' }, name),
    );

    // Assess
    expect(counts).toEqual([7, 0, 0]);
  });
});
