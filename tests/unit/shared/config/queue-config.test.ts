import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../../../../shared/config/env.js';

describe('QUEUE_CONCURRENCY', () => {
  it('defaults to 32 tasks at once and takes a value from the environment', () => {
    // Act
    const defaults = loadConfig({});
    const set = loadConfig({ QUEUE_CONCURRENCY: '8' });

    // Assess
    expect(defaults.queue.concurrency).toBe(32);
    expect(set.queue.concurrency).toBe(8);
  });

  it.each(['0', '1025', 'many'])('rejects %s, naming the variable', (value) => {
    // Act
    const load = () => loadConfig({ QUEUE_CONCURRENCY: value });

    // Assess
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/QUEUE_CONCURRENCY/);
  });
});
