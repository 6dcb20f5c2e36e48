import type { IKeyValue, Watcher } from 'etcd3';
import type { Discovery } from '../../storage/discovery.js';
import type { StorageNode } from '../../storage/ports.js';
import type { Logger } from '../../telemetry/logger.js';
import { NODES_PREFIX, type NodeEntry, parseNodeEntry } from '../node-entry.js';
import { connectEtcd, type EtcdTarget } from './etcd-connection.js';

export type EtcdDiscoveryOptions = EtcdTarget & {
  prefix?: string;
  /** Builds the client of a registered node (stack mode: `createHttpNode`). */
  makeNode: (entry: NodeEntry) => StorageNode;
  logger: Logger;
  /** Wait before re-reading the registry after a failed sync or a cancelled watch. Default 500 ms. */
  resyncDelayMs?: number;
};

/** Called with the live nodes after every change of the set. */
export type NodesListener = (nodes: readonly StorageNode[]) => void;

/** A `Discovery` fed by etcd registrations, with its lifecycle. */
export interface EtcdDiscovery extends Discovery {
  /** The registrations behind `nodes()`, sorted by id. */
  entries(): readonly NodeEntry[];
  /** Resolves after the first full read of the registry (until then `nodes()` is empty). */
  ready(): Promise<void>;
  /** Subscribes to changes of the node set; returns the unsubscribe function. */
  onChange(listener: NodesListener): () => void;
  close(): Promise<void>;
}

interface Member {
  entry: NodeEntry;
  node: StorageNode;
}

/**
 * Discovery over etcd: reads every registration under the prefix, then watches from the
 * revision of that read, so no change between the read and the watch is missed. `nodes()` is
 * synchronous, served from a local snapshot (it is called on every storage operation). A node
 * whose lease lapses is deleted by etcd and drops out of the snapshot. If the watch is cancelled
 * (e.g. its revision was compacted) or the read fails, the snapshot is rebuilt from a fresh read.
 */
export function createEtcdDiscovery(options: EtcdDiscoveryOptions): EtcdDiscovery {
  const prefix = options.prefix ?? NODES_PREFIX;
  const resyncDelayMs = options.resyncDelayMs ?? 500;
  const logger = options.logger.child({ component: 'etcd-discovery' });
  const connection = connectEtcd(options);
  const members = new Map<string, Member>();
  const listeners = new Set<NodesListener>();
  let snapshot: readonly StorageNode[] = Object.freeze([]);
  let entries: readonly NodeEntry[] = Object.freeze([]);
  let watcher: Watcher | undefined;
  let resyncTimer: NodeJS.Timeout | undefined;
  let closed = false;
  let markReady!: () => void;
  const readyPromise = new Promise<void>((resolve) => {
    markReady = resolve;
  });

  /** Keeps the node object of an unchanged registration, so its connections survive. */
  function admit(entry: NodeEntry, next: Map<string, Member>): void {
    const current = members.get(entry.id);
    if (current && current.entry.baseUrl === entry.baseUrl) {
      next.set(entry.id, { entry, node: current.node });
    } else {
      next.set(entry.id, { entry, node: options.makeNode(entry) });
    }
  }

  function parse(kv: IKeyValue): NodeEntry | undefined {
    const key = kv.key.toString();
    try {
      return parseNodeEntry(key, kv.value.toString(), prefix);
    } catch (error) {
      logger.warn('ignoring malformed node registration', { key, error });
      return undefined;
    }
  }

  function publish(next: Map<string, Member>): void {
    members.clear();
    const sorted = [...next.values()].sort((a, b) => (a.entry.id < b.entry.id ? -1 : 1));
    for (const member of sorted) members.set(member.entry.id, member);
    snapshot = Object.freeze(sorted.map((member) => member.node));
    entries = Object.freeze(sorted.map((member) => member.entry));
    for (const listener of listeners) {
      try {
        listener(snapshot);
      } catch (error) {
        logger.error('discovery listener failed', { error });
      }
    }
  }

  function onPut(kv: IKeyValue): void {
    const entry = parse(kv);
    const next = new Map(members);
    if (entry) {
      admit(entry, next);
      logger.info('storage node joined', { node: entry.id, baseUrl: entry.baseUrl });
    } else {
      next.delete(kv.key.toString().slice(prefix.length));
    }
    publish(next);
  }

  function onDelete(kv: IKeyValue): void {
    const id = kv.key.toString().slice(prefix.length);
    if (!members.has(id)) return;
    const next = new Map(members);
    next.delete(id);
    logger.info('storage node left', { node: id });
    publish(next);
  }

  async function sync(): Promise<void> {
    const previous = watcher;
    watcher = undefined;
    await previous?.cancel().catch(() => undefined);
    const response = await connection.client.getAll().prefix(prefix).exec();
    const next = new Map<string, Member>();
    for (const kv of response.kvs) {
      const entry = parse(kv);
      if (entry) admit(entry, next);
    }
    if (closed) return;
    publish(next);
    const revision = BigInt(response.header.revision) + 1n;
    const created = await connection.client
      .watch()
      .prefix(prefix)
      .startRevision(revision.toString())
      .create();
    if (closed) {
      await created.cancel().catch(() => undefined);
      return;
    }
    created.on('put', onPut);
    created.on('delete', onDelete);
    created.on('disconnected', (error) => logger.warn('node watch disconnected; reconnecting', { error }));
    created.on('error', (error) => {
      if (created !== watcher) return;
      logger.warn('node watch cancelled; re-reading the registry', { error });
      scheduleResync();
    });
    watcher = created;
    logger.info('discovery synced', {
      nodes: entries.map((entry) => entry.id),
      revision: revision.toString(),
    });
    markReady();
  }

  function scheduleResync(delayMs = resyncDelayMs): void {
    if (closed || resyncTimer) return;
    resyncTimer = setTimeout(() => {
      resyncTimer = undefined;
      sync().catch((error: unknown) => {
        logger.warn('discovery sync failed; will retry', { error });
        scheduleResync();
      });
    }, delayMs);
  }

  scheduleResync(0);

  return {
    nodes: () => snapshot,
    entries: () => entries,
    ready: () => readyPromise,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(resyncTimer);
      const current = watcher;
      watcher = undefined;
      await current?.cancel().catch(() => undefined);
      listeners.clear();
      connection.release();
    },
  };
}
