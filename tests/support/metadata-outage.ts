import { type MetadataStore, MetadataUnavailableError } from '../../shared/metadata/ports.js';

/** A metadata store that can be taken down: what the control plane's views meet in a real outage. */
export interface SwitchableStore {
  store: MetadataStore;
  /** While down, every call but `reset`/`close` rejects as an unreachable database would. */
  setDown(down: boolean): void;
}

/**
 * Wraps a store so a test can make its database unreachable. The views read the store through no
 * fault point, so a `db_error` rule cannot show their 503; this does, as an outage would.
 */
export function switchableStore(inner: MetadataStore): SwitchableStore {
  let down = false;
  const store = new Proxy(inner, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== 'function' || name === 'reset' || name === 'close') return value;
      return (...args: unknown[]) =>
        down
          ? Promise.reject(
              new MetadataUnavailableError('connection refused (test outage)', { sqlstate: '08006' }),
            )
          : (value as (...a: unknown[]) => unknown).apply(target, args);
    },
  });
  return { store, setDown: (value) => (down = value) };
}
