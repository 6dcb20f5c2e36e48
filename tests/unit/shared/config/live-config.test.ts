import { describe, expect, it } from '@jest/globals';
import { createMemoryConfigSource } from '../../../../shared/config/adapters/memory-config-source.js';
import type { DynamicSettings } from '../../../../shared/config/dynamic-config.js';
import { createLiveConfig } from '../../../../shared/config/live-config.js';
import type { ConfigChangeListener, ConfigSource, ConfigValue } from '../../../../shared/config/ports.js';

const DEFAULTS: DynamicSettings = {
  'storage.replicas': 2,
  'http.retries': 2,
  'http.timeoutMs': 1000,
  'gateway.rateLimit': 0,
  'faults.enabled': false,
};

describe('createLiveConfig', () => {
  it('starts from the stored values over the defaults', async () => {
    // Prepare
    const source = createMemoryConfigSource({ 'http.retries': 5, 'faults.enabled': 'on' });

    // Act
    const live = await createLiveConfig(source, DEFAULTS);

    // Assess
    expect(live.snapshot()).toEqual({ ...DEFAULTS, 'http.retries': 5, 'faults.enabled': true });
    await live.close();
  });

  it('applies a watched change and tells the listeners of that key only', async () => {
    // Prepare
    const source = createMemoryConfigSource();
    const live = await createLiveConfig(source, DEFAULTS);
    const seen: Array<[number, number]> = [];
    const other: unknown[] = [];
    live.onChange('http.timeoutMs', (value, previous) => seen.push([value, previous]));
    live.onChange('http.retries', (value) => other.push(value));

    // Act
    await source.set('http.timeoutMs', 250);

    // Assess
    expect(live.get('http.timeoutMs')).toBe(250);
    expect(seen).toEqual([[250, 1000]]);
    expect(other).toEqual([]);
    await live.close();
  });

  it('ignores an invalid stored value and keeps the value in force', async () => {
    // Prepare
    const source = createMemoryConfigSource({ 'http.retries': 3 });
    const live = await createLiveConfig(source, DEFAULTS);
    const seen: number[] = [];
    live.onChange('http.retries', (value) => seen.push(value));

    // Act
    await source.set('http.retries', 99);

    // Assess
    expect(live.get('http.retries')).toBe(3);
    expect(seen).toEqual([]);
    await live.close();
  });

  it('falls back to the default when a key is deleted', async () => {
    // Prepare
    const source = createMemoryConfigSource({ 'gateway.rateLimit': 100 });
    const live = await createLiveConfig(source, DEFAULTS);

    // Act
    await source.delete('gateway.rateLimit');

    // Assess
    expect(live.get('gateway.rateLimit')).toBe(0);
    await live.close();
  });

  it('applies a change that races the initial read after that read, not before', async () => {
    // Prepare: all() answers with an old value while a newer change is already being watched.
    let listener: ConfigChangeListener | undefined;
    const source: ConfigSource = {
      ...createMemoryConfigSource(),
      async watch(next) {
        listener = next;
        return { close: async () => undefined };
      },
      async all(): Promise<Record<string, ConfigValue>> {
        listener?.({ key: 'http.retries', value: 7 });
        return { 'http.retries': 4 };
      },
    };

    // Act
    const live = await createLiveConfig(source, DEFAULTS);

    // Assess
    expect(live.get('http.retries')).toBe(7);
  });

  it('stops following the store once closed', async () => {
    // Prepare
    const source = createMemoryConfigSource();
    const live = await createLiveConfig(source, DEFAULTS);

    // Act
    await live.close();
    await source.set('faults.enabled', true);

    // Assess
    expect(live.get('faults.enabled')).toBe(false);
  });
});
