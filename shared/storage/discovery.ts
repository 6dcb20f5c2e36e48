import type { StorageNode } from './ports.js';

/**
 * Where the storage service finds its nodes. Embedded mode uses a fixed list; stack mode fills it
 * from etcd leases, so a node whose lease lapsed simply drops out of `nodes()`.
 */
export interface Discovery {
  /** The live nodes now; read on every operation, so topology changes apply at once. */
  nodes(): readonly StorageNode[];
}

/** A discovery that always returns the same nodes (embedded mode, unit tests). */
export function staticDiscovery(nodes: readonly StorageNode[]): Discovery {
  const fixed = Object.freeze([...nodes]);
  return { nodes: () => fixed };
}
