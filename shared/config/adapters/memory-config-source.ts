import { assertConfigKey, type ConfigChangeListener, type ConfigSource, type ConfigValue } from '../ports.js';

/**
 * A config store in memory (embedded mode, unit tests). Watchers are called synchronously, before
 * `set`/`delete` resolve, which keeps tests free of waits. Values are copied in and out, so a caller
 * cannot change a stored value by mutating an object it passed or got.
 */
export function createMemoryConfigSource(initial: Record<string, ConfigValue> = {}): ConfigSource {
  const values = new Map<string, string>();
  const listeners = new Set<ConfigChangeListener>();
  for (const [key, value] of Object.entries(initial)) {
    assertConfigKey(key);
    values.set(key, JSON.stringify(value));
  }

  function notify(key: string, value: ConfigValue | undefined): void {
    for (const listener of [...listeners]) listener({ key, value });
  }

  return {
    async get(key) {
      const stored = values.get(key);
      return stored === undefined ? undefined : (JSON.parse(stored) as ConfigValue);
    },
    async all() {
      return Object.fromEntries([...values].map(([key, stored]) => [key, JSON.parse(stored) as ConfigValue]));
    },
    async set(key, value) {
      assertConfigKey(key);
      const stored = JSON.stringify(value);
      values.set(key, stored);
      notify(key, JSON.parse(stored) as ConfigValue);
    },
    async delete(key) {
      const existed = values.delete(key);
      if (existed) notify(key, undefined);
      return existed;
    },
    async watch(listener) {
      listeners.add(listener);
      return {
        async close() {
          listeners.delete(listener);
        },
      };
    },
    async close() {
      listeners.clear();
    },
  };
}
