import type { Config } from './env.js';
import type { ConfigValue } from './ports.js';

/**
 * The settings that can change while services run (`PUT /api/v1/config/{key}`), by key.
 * Everything else comes from the environment at start (`env.ts`).
 */
export interface DynamicSettings {
  /** Replicas written per blob (R). */
  'storage.replicas': number;
  /** Retries of an idempotent call between services (connection errors and 5xx). */
  'http.retries': number;
  /** Limit of one attempt of a call between services. */
  'http.timeoutMs': number;
  /** Requests per second the gateway admits per client; 0 turns the limit off. */
  'gateway.rateLimit': number;
  /** The fault engine on or off (the kill switch of every rule). */
  'faults.enabled': boolean;
}

export type DynamicKey = keyof DynamicSettings;

/** Outside facts a value is checked against. */
export interface ValidationBounds {
  /** Storage nodes there are: R cannot exceed N. */
  maxReplicas: number;
}

export type ConfigValidation<K extends DynamicKey = DynamicKey> =
  | { ok: true; key: K; value: DynamicSettings[K] }
  | { ok: false; error: string };

interface Setting<T> {
  describe: string;
  parse(value: ConfigValue, bounds: ValidationBounds): T | undefined;
}

const integer = (min: number, max: (bounds: ValidationBounds) => number) => ({
  describe: '',
  parse(value: ConfigValue, bounds: ValidationBounds): number | undefined {
    // A string is accepted as well: values typed at a shell (`etcdctl put`, a query string) are text.
    const number = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isSafeInteger(number)) return undefined;
    return number >= min && number <= max(bounds) ? number : undefined;
  },
});

const boolean: Setting<boolean> = {
  describe: 'true or false',
  parse(value) {
    if (typeof value === 'boolean') return value;
    if (typeof value !== 'string') return undefined;
    const text = value.trim().toLowerCase();
    if (['true', 'on', '1', 'yes'].includes(text)) return true;
    if (['false', 'off', '0', 'no'].includes(text)) return false;
    return undefined;
  },
};

const SETTINGS: { [K in DynamicKey]: Setting<DynamicSettings[K]> } = {
  'storage.replicas': {
    ...integer(1, (bounds) => bounds.maxReplicas),
    describe: 'an integer from 1 to the number of storage nodes',
  },
  'http.retries': { ...integer(0, () => 10), describe: 'an integer from 0 to 10' },
  'http.timeoutMs': { ...integer(50, () => 60_000), describe: 'an integer from 50 to 60000 (milliseconds)' },
  'gateway.rateLimit': {
    ...integer(0, () => 1_000_000),
    describe: 'requests per second, an integer from 0 (off) to 1000000',
  },
  'faults.enabled': boolean,
};

/** Every dynamic key, in a stable order (for listings and documentation). */
export const DYNAMIC_KEYS = Object.freeze(Object.keys(SETTINGS) as DynamicKey[]);

export function isDynamicKey(key: string): key is DynamicKey {
  return Object.hasOwn(SETTINGS, key);
}

/**
 * Checks a value for a dynamic setting. Returns the parsed value, or an error message fit for a
 * 400 answer: an unknown key or an invalid value is refused and must never be stored or applied.
 */
export function validateConfigValue(
  key: string,
  value: ConfigValue | undefined,
  bounds: ValidationBounds = { maxReplicas: 64 },
): ConfigValidation {
  if (!isDynamicKey(key)) {
    return {
      ok: false,
      error: `unknown config key ${JSON.stringify(key.slice(0, 200))}; known keys: ${DYNAMIC_KEYS.join(', ')}`,
    };
  }
  const setting = SETTINGS[key] as Setting<DynamicSettings[DynamicKey]>;
  const parsed = value === undefined ? undefined : setting.parse(value, bounds);
  if (parsed === undefined) {
    const shown = value === undefined ? 'nothing' : JSON.stringify(value).slice(0, 200);
    const limit = key === 'storage.replicas' ? ` (here at most ${bounds.maxReplicas})` : '';
    return { ok: false, error: `${key} must be ${setting.describe}${limit}, got ${shown}` };
  }
  return { ok: true, key, value: parsed };
}

/** Defaults of the dynamic settings: the environment's values where it has one. */
export function defaultDynamicSettings(config: Pick<Config, 'storage' | 'faultsEnabled'>): DynamicSettings {
  return {
    'storage.replicas': config.storage.replicas,
    'http.retries': 2,
    'http.timeoutMs': 10_000,
    'gateway.rateLimit': 0,
    'faults.enabled': config.faultsEnabled,
  };
}
