import { validateConfigValue } from '../config/dynamic-config.js';
import type { LiveConfig } from '../config/live-config.js';
import type { ConfigSource } from '../config/ports.js';
import type { FaultEngine } from '../faults/engine.js';

const KEY = 'faults.enabled';

/**
 * Applies the `faults.enabled` setting to the engine's config switch, now and on every change.
 * The switch is set only while the key is stored: a deleted key hands control back to
 * `FAULTS_ENABLED` (FAULTS.md: "the config switch, when set, wins over the environment variable"),
 * which the live config alone cannot tell from a stored value equal to the default.
 * Returns the function that stops it.
 */
export async function bindFaultsConfigSwitch(
  engine: FaultEngine,
  source: ConfigSource,
  live: LiveConfig,
): Promise<() => Promise<void>> {
  let stored = false;
  const track = (value: unknown) => {
    if (value === undefined) stored = false;
    // A value the validator refuses is ignored by the live config too: nothing changes.
    else if (validateConfigValue(KEY, value as never).ok) stored = true;
  };
  const sync = () => engine.setConfigSwitch(stored ? live.get(KEY) : undefined);
  // Both watches deliver a change; whichever comes second sees both facts, and sync is idempotent.
  const subscription = await source.watch((change) => {
    if (change.key !== KEY) return;
    track(change.value);
    sync();
  });
  const unlisten = live.onChange(KEY, sync);
  track(await source.get(KEY));
  sync();
  return async () => {
    unlisten();
    await subscription.close();
  };
}
