import { createMemoryNode, type MemoryNode } from '../../shared/storage/adapters/memory-node.js';
import { staticDiscovery } from '../../shared/storage/discovery.js';
import { rankNodes } from '../../shared/storage/placement.js';
import type { StorageNode } from '../../shared/storage/ports.js';
import { createReplicatedBlobStore } from '../../shared/storage/replicated-blob-store.js';

/** `size` memory nodes behind a replicated blob store keeping `replicas` copies. */
export function memoryCluster(size: number, replicas: number) {
  const nodes = Array.from({ length: size }, (_, i) => createMemoryNode(`node-${i + 1}`));
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const store = createReplicatedBlobStore({ discovery: staticDiscovery(nodes), replicas });
  /** The nodes in placement order for this blob. */
  const ranked = (blobId: string): MemoryNode[] =>
    rankNodes(
      blobId,
      nodes.map((node) => node.id),
    ).map((id) => byId.get(id)!);
  return { nodes, store, ranked };
}

/** Ids of the nodes that hold a replica of `blobId`, sorted. */
export async function holders(nodes: readonly StorageNode[], blobId: string): Promise<string[]> {
  const held: string[] = [];
  for (const node of nodes) if (await node.stat(blobId).catch(() => undefined)) held.push(node.id);
  return held.sort();
}
