import type { IKeyValue, Watcher } from 'etcd3';
import { connectEtcd, type EtcdTarget } from '../../discovery/adapters/etcd-connection.js';
import { type Logger, silentLogger } from '../../telemetry/logger.js';
import { assertConfigKey, type ConfigSource, type ConfigValue } from '../ports.js';

/** Where dynamic settings live in etcd: `<prefix><key>` = the JSON value. */
export const CONFIG_PREFIX = '/mock-s3/config/';

export type EtcdConfigSourceOptions = EtcdTarget & { prefix?: string; logger?: Logger };

/**
 * The config store over etcd. Values are stored as JSON text; a value that is not JSON (written
 * by hand, `etcdctl put /mock-s3/config/x on`) is read as a string, and the validator decides.
 */
export function createEtcdConfigSource(options: EtcdConfigSourceOptions): ConfigSource {
  const prefix = options.prefix ?? CONFIG_PREFIX;
  const logger = (options.logger ?? silentLogger).child({ component: 'etcd-config' });
  const connection = connectEtcd(options);
  const { client } = connection;

  const keyOf = (key: string) => {
    assertConfigKey(key);
    return `${prefix}${key}`;
  };

  return {
    async get(key) {
      const stored = await client.get(keyOf(key)).string();
      return stored === null ? undefined : decode(stored);
    },
    async all() {
      const stored = await client.getAll().prefix(prefix).strings();
      return Object.fromEntries(
        Object.entries(stored).map(([key, value]) => [key.slice(prefix.length), decode(value)]),
      );
    },
    async set(key, value) {
      await client.put(keyOf(key)).value(JSON.stringify(value)).exec();
    },
    async delete(key) {
      const response = await client.delete().key(keyOf(key)).exec();
      return Number(response.deleted) > 0;
    },
    async watch(listener) {
      const keyOfKv = (kv: IKeyValue) => kv.key.toString().slice(prefix.length);
      let closed = false;
      let watcher: Watcher;

      async function open(): Promise<void> {
        const created = await client.watch().prefix(prefix).create();
        watcher = created;
        created.on('put', (kv) => listener({ key: keyOfKv(kv), value: decode(kv.value.toString()) }));
        created.on('delete', (kv) => listener({ key: keyOfKv(kv), value: undefined }));
        created.on('disconnected', (error) =>
          logger.warn('config watch disconnected; reconnecting', { error }),
        );
        // etcd cancels a watch whose revision was compacted away: watch again from now and replay
        // every stored value, so listeners converge (a delete made in the gap is not replayed).
        created.on('error', (error) => {
          if (closed) return;
          logger.warn('config watch cancelled; watching again', { error });
          reopen();
        });
      }

      function reopen(): void {
        open()
          .then(async () => {
            const stored = await client.getAll().prefix(prefix).strings();
            for (const [key, value] of Object.entries(stored)) {
              listener({ key: key.slice(prefix.length), value: decode(value) });
            }
          })
          .catch((error: unknown) => {
            logger.error('config watch could not be re-created; retrying', { error });
            setTimeout(() => closed || reopen(), 1000).unref();
          });
      }

      await open();
      return {
        async close() {
          closed = true;
          await watcher.cancel();
        },
      };
    },
    async close() {
      connection.release();
    },
  };
}

function decode(stored: string): ConfigValue {
  try {
    return JSON.parse(stored) as ConfigValue;
  } catch {
    return stored;
  }
}
