import { describe, expect, it } from '@jest/globals';
import { OldestPendingEstimate } from '../../../../shared/queue/adapters/sqs-lag-estimate.js';

describe('OldestPendingEstimate', () => {
  it('is the age of the oldest of the newest `pending` publishes', () => {
    // Prepare
    const estimate = new OldestPendingEstimate();
    for (const at of [1000, 2000, 3000]) estimate.published(at);

    // Act
    const allWaiting = estimate.lagMs(3, 5000);
    const twoWaiting = estimate.lagMs(2, 5000);

    // Assess
    expect(allWaiting).toBe(4000);
    expect(twoWaiting).toBe(3000);
  });

  it('forgets publishes once fewer tasks are pending, and is 0 when none is', () => {
    // Prepare
    const estimate = new OldestPendingEstimate();
    for (const at of [1000, 2000, 3000]) estimate.published(at);

    // Act
    const idle = estimate.lagMs(0, 5000);
    const afterIdle = estimate.lagMs(3, 5000);

    // Assess
    expect(idle).toBe(0);
    expect(afterIdle).toBe(0);
  });

  it('counts the messages this process is handling, until they are handled', () => {
    // Prepare
    const estimate = new OldestPendingEstimate();
    estimate.published(4000);
    estimate.handling('message-1', 500);

    // Act
    const whileHandling = estimate.lagMs(2, 5000);
    estimate.handled('message-1');
    const afterwards = estimate.lagMs(1, 5000);

    // Assess
    expect(whileHandling).toBe(4500);
    expect(afterwards).toBe(1000);
  });

  it('remembers a bounded number of publishes', () => {
    // Prepare
    const estimate = new OldestPendingEstimate(2);

    // Act
    for (const at of [1000, 2000, 3000]) estimate.published(at);

    // Assess
    expect(estimate.lagMs(3, 5000)).toBe(3000);
  });
});
