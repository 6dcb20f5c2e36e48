import { type Logger, silentLogger } from '../telemetry/logger.js';
import {
  type DynamicKey,
  type DynamicSettings,
  isDynamicKey,
  type ValidationBounds,
  validateConfigValue,
} from './dynamic-config.js';
import { followConfigSource } from './follow-config-source.js';
import type { ConfigChange, ConfigSource } from './ports.js';

export type SettingListener<K extends DynamicKey> = (
  value: DynamicSettings[K],
  previous: DynamicSettings[K],
) => void;

/** The dynamic settings in force in this process, kept current from the config store. */
export interface LiveConfig {
  get<K extends DynamicKey>(key: K): DynamicSettings[K];
  /** Every setting now (a frozen copy). */
  snapshot(): Readonly<DynamicSettings>;
  /** Calls `listener` whenever the value of `key` changes; returns the unsubscribe function. */
  onChange<K extends DynamicKey>(key: K, listener: SettingListener<K>): () => void;
  /** Stops watching the store (does not close the store). */
  close(): Promise<void>;
}

export interface LiveConfigOptions {
  logger?: Logger;
  bounds?: ValidationBounds;
}

/**
 * Loads the dynamic settings from the store, then applies every watched change without restart.
 * A stored value that fails validation (written around the API, e.g. with etcdctl) is logged and
 * ignored: the setting keeps its previous value. A deleted key falls back to its default.
 * The watch starts before the initial read (`followConfigSource`), so a change racing the start
 * is never lost.
 */
export async function createLiveConfig(
  source: ConfigSource,
  defaults: DynamicSettings,
  options: LiveConfigOptions = {},
): Promise<LiveConfig> {
  const logger = (options.logger ?? silentLogger).child({ component: 'live-config' });
  const bounds = options.bounds;
  let current: Readonly<DynamicSettings> = Object.freeze({ ...defaults });
  const listeners = new Map<DynamicKey, Set<SettingListener<DynamicKey>>>();

  function apply(change: ConfigChange): void {
    if (!isDynamicKey(change.key)) return;
    const key = change.key;
    let value: DynamicSettings[DynamicKey];
    if (change.value === undefined) {
      value = defaults[key];
    } else {
      const checked = validateConfigValue(key, change.value, bounds);
      if (!checked.ok) {
        logger.warn('ignoring invalid stored config value', { key, error: checked.error });
        return;
      }
      value = checked.value;
    }
    const previous = current[key];
    if (Object.is(previous, value)) return;
    current = Object.freeze({ ...current, [key]: value });
    logger.info('config changed', { key, value, previous });
    for (const listener of [...(listeners.get(key) ?? [])]) {
      try {
        listener(value, previous);
      } catch (error) {
        logger.error('config listener failed', { key, error });
      }
    }
  }

  const subscription = await followConfigSource(source, apply);

  return {
    get: (key) => current[key],
    snapshot: () => current,
    onChange(key, listener) {
      const set = listeners.get(key) ?? new Set();
      listeners.set(key, set);
      set.add(listener as SettingListener<DynamicKey>);
      return () => set.delete(listener as SettingListener<DynamicKey>);
    },
    close: () => subscription.close(),
  };
}
