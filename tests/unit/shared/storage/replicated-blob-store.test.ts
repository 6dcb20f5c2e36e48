import { describe, expect, it } from '@jest/globals';
import { createMemoryNode, type MemoryNode } from '../../../../shared/storage/adapters/memory-node.js';
import { newBlobId } from '../../../../shared/storage/blob-id.js';
import { type Discovery, staticDiscovery } from '../../../../shared/storage/discovery.js';
import {
  BlobUnavailableError,
  InsufficientNodesError,
  type StorageNode,
} from '../../../../shared/storage/ports.js';
import { createReplicatedBlobStore } from '../../../../shared/storage/replicated-blob-store.js';
import { holders, memoryCluster } from '../../../support/memory-cluster.js';

/** Counts `get` calls per node, to prove the hot path reads once. */
function countingReads(node: MemoryNode): { node: MemoryNode; reads: () => number } {
  let reads = 0;
  const get = node.get.bind(node);
  node.get = (blobId) => {
    reads += 1;
    return get(blobId);
  };
  return { node, reads: () => reads };
}

describe('replicated blob store', () => {
  it('writes R replicas on the first R ranked nodes', async () => {
    // Prepare
    const { nodes, store, ranked } = memoryCluster(4, 2);
    const blobId = newBlobId();

    // Act
    const placement = await store.put(blobId, Buffer.from('payload'));

    // Assess
    const expected = ranked(blobId)
      .slice(0, 2)
      .map((node) => node.id);
    expect(placement).toEqual({ blobId, size: 7, nodes: expected });
    expect(await holders(nodes, blobId)).toEqual([...expected].sort());
  });

  it('reads with one node read when the first replica is good', async () => {
    // Prepare
    const { store, ranked } = memoryCluster(3, 2);
    const blobId = newBlobId();
    await store.put(blobId, Buffer.from('hot path'));
    const counters = ranked(blobId).map(countingReads);

    // Act
    const bytes = await store.get(blobId);

    // Assess
    expect(bytes.toString()).toBe('hot path');
    expect(counters.map((counter) => counter.reads())).toEqual([1, 0, 0]);
  });

  it('fails over past a corrupt replica and a missing replica', async () => {
    // Prepare
    const { store, ranked } = memoryCluster(3, 3);
    const blobId = newBlobId();
    await store.put(blobId, Buffer.from('survivor'));
    const [first, second] = ranked(blobId);
    first!.corrupt(blobId);
    await second!.delete(blobId);

    // Act
    const bytes = await store.get(blobId);

    // Assess
    expect(bytes.toString()).toBe('survivor');
  });

  it('finds a replica placed off its ideal nodes (after a failover)', async () => {
    // Prepare
    const { store, ranked } = memoryCluster(4, 1);
    const blobId = newBlobId();
    const [first, , , last] = ranked(blobId);
    await last!.put(blobId, Buffer.from('far away'));
    first!.setDown(true);

    // Act
    const bytes = await store.get(blobId);

    // Assess
    expect(bytes.toString()).toBe('far away');
  });

  it('raises BlobUnavailableError when no good replica exists', async () => {
    // Prepare
    const { store, ranked } = memoryCluster(3, 2);
    const blobId = newBlobId();
    await store.put(blobId, Buffer.from('doomed'));
    const [first, second] = ranked(blobId);
    first!.corrupt(blobId);
    second!.setDown(true);

    // Act / Assess
    await expect(store.get(blobId)).rejects.toBeInstanceOf(BlobUnavailableError);
  });

  it('writes to the next ranked node when a placement node is down', async () => {
    // Prepare
    const { store, ranked } = memoryCluster(3, 2);
    const blobId = newBlobId();
    const [first, second, third] = ranked(blobId);
    first!.setDown(true);

    // Act
    const placement = await store.put(blobId, Buffer.from('detour'));

    // Assess
    expect(placement.nodes).toEqual([second!.id, third!.id]);
    expect((await third!.get(blobId)).toString()).toBe('detour');
  });

  it('refuses a write it cannot replicate R times and removes the partial replicas', async () => {
    // Prepare
    const { nodes, store, ranked } = memoryCluster(3, 2);
    const blobId = newBlobId();
    const [first, second] = ranked(blobId);
    first!.setDown(true);
    second!.setDown(true);

    // Act
    const outcome = store.put(blobId, Buffer.from('nowhere'));

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(InsufficientNodesError);
    first!.setDown(false);
    second!.setDown(false);
    expect(await holders(nodes, blobId)).toEqual([]);
  });

  it('refuses a write when fewer live nodes than R exist', async () => {
    // Prepare
    const nodes = [createMemoryNode('node-1')];
    const store = createReplicatedBlobStore({ discovery: staticDiscovery(nodes), replicas: 2 });
    const blobId = newBlobId();

    // Act / Assess
    await expect(store.put(blobId, Buffer.from('x'))).rejects.toMatchObject({ wanted: 2, available: 1 });
    expect(await holders(nodes, blobId)).toEqual([]);
  });

  it('repairs a replica lost while its node was down, once the node returns', async () => {
    // Prepare: the blob was written while its first node was down, then the second lost its copy
    const { nodes, store, ranked } = memoryCluster(3, 2);
    const blobId = newBlobId();
    const [first, second, third] = ranked(blobId);
    first!.setDown(true);
    await store.put(blobId, Buffer.from('heal me'));
    await second!.delete(blobId);
    first!.setDown(false);

    // Act
    const repair = await store.repair(blobId);

    // Assess: the best-ranked node lacking a copy received one
    expect(repair).toEqual({ blobId, healthy: [third!.id], repaired: [first!.id], lost: false });
    expect(await holders(nodes, blobId)).toEqual([first!.id, third!.id].sort());
    expect((await first!.get(blobId)).toString()).toBe('heal me');
  });

  it('repair leaves a fully replicated blob alone', async () => {
    // Prepare
    const { store, ranked } = memoryCluster(3, 2);
    const blobId = newBlobId();
    await store.put(blobId, Buffer.from('fine'));

    // Act
    const repair = await store.repair(blobId, { scrub: true });

    // Assess
    expect(repair).toEqual({
      blobId,
      healthy: ranked(blobId)
        .slice(0, 2)
        .map((node) => node.id),
      repaired: [],
      lost: false,
    });
  });

  it('repair overwrites a corrupt replica', async () => {
    // Prepare
    const { store, ranked } = memoryCluster(3, 2);
    const blobId = newBlobId();
    await store.put(blobId, Buffer.from('bit rot'));
    const [first, second] = ranked(blobId);
    second!.corrupt(blobId);

    // Act
    const repair = await store.repair(blobId, { scrub: true });

    // Assess
    expect(repair).toEqual({ blobId, healthy: [first!.id], repaired: [second!.id], lost: false });
    expect((await second!.get(blobId)).toString()).toBe('bit rot');
  });

  it('repair without scrub still replaces a corrupt first replica it reads', async () => {
    // Prepare
    const { store, ranked } = memoryCluster(3, 2);
    const blobId = newBlobId();
    await store.put(blobId, Buffer.from('bit rot'));
    const [first, second] = ranked(blobId);
    first!.corrupt(blobId);

    // Act
    const repair = await store.repair(blobId);

    // Assess
    expect(repair).toEqual({ blobId, healthy: [second!.id], repaired: [first!.id], lost: false });
    expect((await first!.get(blobId)).toString()).toBe('bit rot');
  });

  it('repair reports a blob with no good replica as lost', async () => {
    // Prepare
    const { store, ranked } = memoryCluster(3, 1);
    const blobId = newBlobId();
    await store.put(blobId, Buffer.from('gone'));
    ranked(blobId)[0]!.corrupt(blobId);

    // Act
    const repair = await store.repair(blobId);

    // Assess
    expect(repair).toEqual({ blobId, healthy: [], repaired: [], lost: true });
  });

  it('deletes on every reachable node and reports the node that was down', async () => {
    // Prepare
    const { nodes, store, ranked } = memoryCluster(3, 3);
    const blobId = newBlobId();
    await store.put(blobId, Buffer.from('bye'));
    const [first, second, third] = ranked(blobId);
    second!.setDown(true);

    // Act
    const deletion = await store.delete(blobId);

    // Assess
    expect(deletion).toEqual({ blobId, confirmed: [first!.id, third!.id], failed: [second!.id] });
    second!.setDown(false);
    expect(await holders(nodes, blobId)).toEqual([second!.id]);
  });

  it('lists every replica with its node and skips a node that is down', async () => {
    // Prepare
    const { nodes, store } = memoryCluster(3, 2);
    const blobId = newBlobId();
    const placement = await store.put(blobId, Buffer.from('listed'));
    const down = nodes.find((node) => !placement.nodes.includes(node.id))!;
    down.setDown(true);

    // Act
    const listed = [];
    for await (const replica of store.listAll()) listed.push(replica);

    // Assess
    expect(listed.map((replica) => replica.node).sort()).toEqual([...placement.nodes].sort());
    expect(listed.every((replica) => replica.blobId === blobId && replica.size === 6)).toBe(true);
  });

  it('reports the health of each node', async () => {
    // Prepare
    const { nodes, store } = memoryCluster(2, 1);
    nodes[1]!.setDown(true);

    // Act
    const health = await store.nodes();

    // Assess
    expect(health).toEqual([
      { id: 'node-1', healthy: true, blobs: 0, bytes: 0 },
      { id: 'node-2', healthy: false },
    ]);
  });

  it('follows topology changes from discovery on every call', async () => {
    // Prepare
    const nodes = [createMemoryNode('node-1'), createMemoryNode('node-2')];
    let live: StorageNode[] = [nodes[0]!];
    const discovery: Discovery = { nodes: () => live };
    const store = createReplicatedBlobStore({ discovery, replicas: 2 });
    await expect(store.put(newBlobId(), Buffer.from('x'))).rejects.toBeInstanceOf(InsufficientNodesError);

    // Act
    live = nodes;
    const placement = await store.put(newBlobId(), Buffer.from('x'));

    // Assess
    expect(placement.nodes.sort()).toEqual(['node-1', 'node-2']);
  });
});

describe('repair with statOnly', () => {
  it('stats only the R best-ranked nodes when they hold the blob, reading and writing nothing', async () => {
    // Prepare
    const { store, ranked } = memoryCluster(3, 2);
    const blobId = newBlobId();
    await store.put(blobId, Buffer.from('fresh'));
    const [first, second, third] = ranked(blobId);
    const statted: string[] = [];
    for (const node of [first!, second!, third!]) {
      const stat = node.stat.bind(node);
      node.stat = (id) => {
        statted.push(node.id);
        return stat(id);
      };
    }
    const reads = [first!, second!, third!].map(countingReads);

    // Act
    const check = await store.repair(blobId, { statOnly: true });

    // Assess
    expect(check).toMatchObject({ healthy: [first!.id, second!.id], repaired: [], underReplicated: false });
    expect(statted.sort()).toEqual([first!.id, second!.id].sort());
    expect(reads.map((read) => read.reads())).toEqual([0, 0, 0]);
  });

  it('reports a missing replica as under-replicated without repairing it', async () => {
    // Prepare
    const { nodes, store, ranked } = memoryCluster(3, 2);
    const blobId = newBlobId();
    await store.put(blobId, Buffer.from('fresh'));
    await ranked(blobId)[0]!.delete(blobId);

    // Act
    const check = await store.repair(blobId, { statOnly: true });

    // Assess
    expect(check).toMatchObject({ healthy: [ranked(blobId)[1]!.id], underReplicated: true, lost: false });
    expect(await holders(nodes, blobId)).toEqual([ranked(blobId)[1]!.id]);
  });

  it('counts a replica that a failover placed further down the ranking', async () => {
    // Prepare
    const { store, ranked } = memoryCluster(3, 2);
    const blobId = newBlobId();
    const [, second, third] = ranked(blobId);
    await second!.put(blobId, Buffer.from('moved'));
    await third!.put(blobId, Buffer.from('moved'));

    // Act
    const check = await store.repair(blobId, { statOnly: true });

    // Assess
    expect(check).toMatchObject({ healthy: [second!.id, third!.id], underReplicated: false });
  });
});
