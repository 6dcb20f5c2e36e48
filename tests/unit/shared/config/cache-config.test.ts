import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../../../../shared/config/env.js';

describe('CACHE_MAX_BYTES', () => {
  it('defaults to 64 MiB and takes a byte count from the environment', () => {
    // Act
    const defaults = loadConfig({});
    const set = loadConfig({ CACHE_MAX_BYTES: '1048576' });

    // Assess
    expect(defaults.cache.maxBytes).toBe(64 * 1024 * 1024);
    expect(set.cache.maxBytes).toBe(1_048_576);
  });

  it.each(['0', '1023', '64MB', '-1'])('rejects %s, naming the variable', (value) => {
    // Act
    const load = () => loadConfig({ CACHE_MAX_BYTES: value });

    // Assess
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/CACHE_MAX_BYTES/);
  });
});
