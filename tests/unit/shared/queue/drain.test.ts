import { describe, expect, it } from '@jest/globals';
import { pollUntilDrained, QueueDrainTimeoutError } from '../../../../shared/queue/drain.js';
import type { QueueStats } from '../../../../shared/queue/ports.js';

describe('pollUntilDrained', () => {
  it('resolves once stats report nothing pending', async () => {
    // Prepare
    const reported = [3, 1, 0];
    let polls = 0;
    const stats = async (): Promise<QueueStats> => ({
      pending: reported[polls++]!,
      lagMs: 0,
      deadLetters: 0,
    });

    // Act
    await pollUntilDrained(stats, { timeoutMs: 1000, intervalMs: 1, queueName: 'tasks' });

    // Assess
    expect(polls).toBe(3);
  });

  it('gives up after the timeout, naming the queue and what is pending', async () => {
    // Prepare
    const stats = async (): Promise<QueueStats> => ({ pending: 4, lagMs: 10, deadLetters: 0 });

    // Act
    const draining = pollUntilDrained(stats, { timeoutMs: 20, intervalMs: 5, queueName: 'tasks' });

    // Assess
    await expect(draining).rejects.toThrow(QueueDrainTimeoutError);
    await expect(draining).rejects.toThrow('task queue tasks still has 4 pending task(s) after 20 ms');
  });
});
