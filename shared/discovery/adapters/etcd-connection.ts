import { createRequire } from 'node:module';
import type { Etcd3 } from 'etcd3';

/**
 * etcd3 (with gRPC and its parsed .proto files, ~25 MB resident) is loaded at the first connection,
 * not at start: an embedded server never connects. It is left to Node's resolver at run time in the
 * bundle too (scripts/build.mjs), so a require here resolves it as the import did.
 */
const loadEtcd3 = (): typeof import('etcd3') =>
  createRequire(import.meta.url)('etcd3') as typeof import('etcd3');

/** Either an etcd URL (a client of one's own, closed with its owner) or a shared client. */
export type EtcdTarget = { etcdUrl: string; client?: undefined } | { client: Etcd3; etcdUrl?: undefined };

/** An etcd client and whether its user must close it. */
export interface EtcdConnection {
  client: Etcd3;
  /** Closes the client only if it was opened here; a shared client is left to its owner. */
  release(): void;
}

/** Unary calls give up after this long, so a dead etcd surfaces as an error instead of a hang. */
const CALL_DEADLINE_MS = 5000;

/**
 * Opens (or borrows) an etcd client. Streams (watches, keep-alives) get no deadline: they are
 * meant to stay open; unary calls do.
 */
export function connectEtcd(target: EtcdTarget): EtcdConnection {
  if (target.client) return { client: target.client, release: () => undefined };
  const { Etcd3 } = loadEtcd3();
  const client = new Etcd3({
    hosts: target.etcdUrl.split(',').map((host) => host.trim()),
    dialTimeout: CALL_DEADLINE_MS,
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + CALL_DEADLINE_MS }),
  });
  return { client, release: () => client.close() };
}
