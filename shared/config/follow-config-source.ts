import type { ConfigChange, ConfigSource, ConfigSubscription } from './ports.js';

/**
 * Applies every stored value, then every later change, to `apply`, in order. The watch starts
 * before the initial read, and changes seen while the read is in flight are applied after it, so
 * a change racing the start is never lost or undone by an older read.
 */
export async function followConfigSource(
  source: ConfigSource,
  apply: (change: ConfigChange) => void,
): Promise<ConfigSubscription> {
  let pending: ConfigChange[] | undefined = [];
  const subscription = await source.watch((change) => {
    if (pending) pending.push(change);
    else apply(change);
  });
  try {
    for (const [key, value] of Object.entries(await source.all())) apply({ key, value });
  } catch (error) {
    await subscription.close().catch(() => undefined);
    throw error;
  }
  const raced = pending;
  pending = undefined;
  for (const change of raced) apply(change);
  return subscription;
}
