import {
  type DynamicKey,
  defaultDynamicSettings,
  isDynamicKey,
  validateConfigValue,
} from '../../shared/config/dynamic-config.js';
import type { LiveConfig } from '../../shared/config/live-config.js';
import type { ConfigValue } from '../../shared/config/ports.js';
import type { DynamicConfigHandle } from '../../shared/injection/fault-control-plane.js';
import type { Runtime } from '../../shared/runtime/runtime.js';
import { ControlError } from '../injection/control-error.js';
import { type ControlResponse, objectBody, refuseUnknownFields } from '../injection/request.js';

/** A setting as the config API shows it: the value in force and where it comes from. */
export interface SettingView {
  key: DynamicKey;
  value: unknown;
  source: 'stored' | 'default';
  default: unknown;
}

/** How long a write waits to see its value in force here (issue: "in force within one second"). */
const IN_FORCE_WAIT_MS = 1000;

/** GET /api/v1/config: every dynamic setting. */
export async function listSettings(runtime: Runtime): Promise<ControlResponse> {
  const { source, live } = dynamicConfigOf(runtime);
  const stored = await source.all();
  const keys = Object.keys(live.snapshot()) as DynamicKey[];
  return {
    status: 200,
    body: { settings: keys.map((key) => view(runtime, live, key, Object.hasOwn(stored, key))) },
  };
}

/** GET /api/v1/config/{key}. */
export async function getSetting(runtime: Runtime, key: string): Promise<ControlResponse> {
  const { source, live } = dynamicConfigOf(runtime);
  const known = knownKey(key);
  return { status: 200, body: view(runtime, live, known, (await source.get(known)) !== undefined) };
}

/**
 * PUT /api/v1/config/{key} `{"value": ...}`: validated first, so a refused value is never stored
 * and never applied; answers once the value is in force on this instance (or after a second).
 */
export async function putSetting(runtime: Runtime, key: string, body: unknown): Promise<ControlResponse> {
  const { source, live } = dynamicConfigOf(runtime);
  const fields = objectBody(body);
  refuseUnknownFields(fields, ['value']);
  const checked = validateConfigValue(key, fields.value as ConfigValue | undefined, {
    maxReplicas: runtime.config.storage.nodes,
  });
  if (!checked.ok) throw new ControlError('ValidationError', checked.error, { field: key });
  await source.set(checked.key, checked.value);
  await inForce(live, checked.key, checked.value);
  return { status: 200, body: view(runtime, live, checked.key, true) };
}

/** DELETE /api/v1/config/{key}: back to the default (the environment's value). */
export async function deleteSetting(runtime: Runtime, key: string): Promise<ControlResponse> {
  const { source, live } = dynamicConfigOf(runtime);
  const known = knownKey(key);
  await source.delete(known);
  await inForce(live, known, defaultDynamicSettings(runtime.config)[known]);
  return { status: 200, body: view(runtime, live, known, false) };
}

function dynamicConfigOf(runtime: Runtime): DynamicConfigHandle {
  if (runtime.dynamicConfig === undefined) throw new Error('this host runs without a config store');
  return runtime.dynamicConfig;
}

function knownKey(key: string): DynamicKey {
  if (!isDynamicKey(key))
    throw new ControlError('NotFound', `no config setting ${JSON.stringify(key.slice(0, 200))}`);
  return key;
}

function view(runtime: Runtime, live: LiveConfig, key: DynamicKey, stored: boolean): SettingView {
  return {
    key,
    value: live.get(key),
    source: stored ? 'stored' : 'default',
    default: defaultDynamicSettings(runtime.config)[key],
  };
}

/** Resolves when `key` has `value` in this process, or after {@link IN_FORCE_WAIT_MS}. */
function inForce(live: LiveConfig, key: DynamicKey, value: unknown): Promise<void> {
  if (Object.is(live.get(key), value)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      stop();
      resolve();
    };
    const timer = setTimeout(done, IN_FORCE_WAIT_MS);
    const stop = live.onChange(key, (now) => {
      if (Object.is(now, value)) done();
    });
  });
}
