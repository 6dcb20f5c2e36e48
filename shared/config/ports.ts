/**
 * The dynamic configuration store (stack mode: etcd; embedded mode and unit tests: memory).
 * Values are JSON. The store does not know which keys exist or what they may hold:
 * `dynamic-config.ts` validates before a value is written and again when one is read back.
 */
export type ConfigValue = string | number | boolean | null | ConfigValue[] | { [key: string]: ConfigValue };

/** One change seen by a watch: `value` is undefined when the key was deleted. */
export interface ConfigChange {
  key: string;
  value: ConfigValue | undefined;
}

export type ConfigChangeListener = (change: ConfigChange) => void;

/** A running watch; `close()` stops it. */
export interface ConfigSubscription {
  close(): Promise<void>;
}

export interface ConfigSource {
  get(key: string): Promise<ConfigValue | undefined>;
  /** Every stored key and value. */
  all(): Promise<Record<string, ConfigValue>>;
  set(key: string, value: ConfigValue): Promise<void>;
  /** Removes a key; resolves true when it existed. */
  delete(key: string): Promise<boolean>;
  /**
   * Calls `listener` for every change made after the returned promise resolves, in order.
   * Changes made before are not replayed: read `all()` after subscribing.
   */
  watch(listener: ConfigChangeListener): Promise<ConfigSubscription>;
  /** Releases connections (the etcd client); the memory source has nothing to release. */
  close(): Promise<void>;
}

/** Config keys are dotted names (`http.timeoutMs`), so they map to one etcd key each. */
const CONFIG_KEY = /^[A-Za-z][A-Za-z0-9_.-]{0,127}$/;

export class InvalidConfigKeyError extends Error {
  override readonly name = 'InvalidConfigKeyError';
  constructor(readonly key: string) {
    super(`invalid config key ${JSON.stringify(key.slice(0, 200))}: use letters, digits, _ . -`);
  }
}

/** Throws InvalidConfigKeyError for a key no setting could have (path separators, empty, too long). */
export function assertConfigKey(key: string): void {
  if (!CONFIG_KEY.test(key)) throw new InvalidConfigKeyError(key);
}
