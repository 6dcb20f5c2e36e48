import { Readable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { createMemoryNode, type MemoryNode } from '../../../../shared/storage/adapters/memory-node.js';
import { newBlobId } from '../../../../shared/storage/blob-id.js';
import { staticDiscovery } from '../../../../shared/storage/discovery.js';
import { rankNodes } from '../../../../shared/storage/placement.js';
import {
  BlobUnavailableError,
  InsufficientNodesError,
  type StorageNode,
} from '../../../../shared/storage/ports.js';
import { createReplicatedBlobStore } from '../../../../shared/storage/replicated-blob-store.js';
import { failingSource, readAll, sourceOf } from '../../../support/blob-streams.js';

function cluster(size: number, replicas: number) {
  const nodes = Array.from({ length: size }, (_, i) => createMemoryNode(`node-${i + 1}`));
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const store = createReplicatedBlobStore({ discovery: staticDiscovery(nodes), replicas });
  const ranked = (blobId: string): MemoryNode[] =>
    rankNodes(
      blobId,
      nodes.map((node) => node.id),
    ).map((id) => byId.get(id)!);
  return { nodes, store, ranked };
}

async function holders(nodes: readonly StorageNode[], blobId: string): Promise<string[]> {
  const held: string[] = [];
  for (const node of nodes) if (await node.stat(blobId).catch(() => undefined)) held.push(node.id);
  return held.sort();
}

const content = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 17 + 3) % 256));

describe('replicated blob store streams', () => {
  it('writes R replicas of a streamed source on the best-ranked nodes', async () => {
    // Prepare
    const { nodes, store, ranked } = cluster(4, 3);
    const blobId = newBlobId();

    // Act
    const placement = await store.putStream(blobId, sourceOf(content, { chunkSize: 9000 }));

    // Assess
    const best = ranked(blobId)
      .slice(0, 3)
      .map((node) => node.id);
    expect(placement).toEqual({ blobId, size: content.length, nodes: best });
    expect(await holders(nodes, blobId)).toEqual([...best].sort());
    for (const node of ranked(blobId).slice(0, 3))
      expect((await node.get(blobId)).equals(content)).toBe(true);
  });

  it('fails over to the next ranked node when one is down before the first byte', async () => {
    // Prepare
    const { nodes, store, ranked } = cluster(4, 2);
    const blobId = newBlobId();
    const [first, second, third] = ranked(blobId);
    first!.setDown(true);

    // Act
    const placement = await store.putStream(blobId, sourceOf(content));

    // Assess
    expect(placement.nodes).toEqual([second!.id, third!.id]);
    first!.setDown(false);
    expect(await holders(nodes, blobId)).toEqual([second!.id, third!.id].sort());
  });

  it('stores no replica anywhere when the source fails mid-way', async () => {
    // Prepare
    const { nodes, store } = cluster(3, 2);
    const blobId = newBlobId();

    // Act
    const write = store.putStream(blobId, failingSource(500_000, 100_000, new Error('reset')));

    // Assess
    await expect(write).rejects.toThrow();
    expect(await holders(nodes, blobId)).toEqual([]);
  });

  it('fails the put, keeping no replica, when a node fails after the first byte', async () => {
    // Prepare
    const { nodes, store, ranked } = cluster(3, 2);
    const blobId = newBlobId();
    const failing = ranked(blobId)[1]!;
    failing.putStream = async (_id, source) => {
      for await (const _ of source.stream) throw new Error('disk gone mid-write');
    };

    // Act
    const write = store.putStream(blobId, sourceOf(content, { chunkSize: 16 * 1024 }));

    // Assess
    await expect(write).rejects.toBeInstanceOf(InsufficientNodesError);
    expect(await holders(nodes, blobId)).toEqual([]);
  });

  it('reads the source no faster than the slowest replica takes it', async () => {
    // Prepare
    const { store, ranked } = cluster(3, 3);
    const blobId = newBlobId();
    const chunk = Buffer.alloc(16 * 1024, 1);
    const chunks = 64;
    let pulled = 0;
    let taken = 0;
    let ahead = 0;
    const slow = ranked(blobId)[2]!;
    const write = slow.putStream.bind(slow);
    slow.putStream = async (id, source) => {
      async function* paced() {
        for await (const bytes of source.stream) {
          taken += (bytes as Buffer).length;
          // A slow disk: a few turns of the event loop per chunk.
          for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
          yield bytes as Buffer;
        }
      }
      return write(id, { size: source.size, stream: Readable.from(paced(), { objectMode: false }) });
    };
    function* counted() {
      for (let i = 0; i < chunks; i += 1) {
        pulled += 1;
        ahead = Math.max(ahead, pulled * chunk.length - taken);
        yield chunk;
      }
    }

    // Act
    await store.putStream(blobId, {
      size: chunk.length * chunks,
      stream: Readable.from(counted(), { objectMode: false }),
    });

    // Assess
    expect(pulled).toBe(chunks);
    // What the source, the tee and the slow writer's buffers hold: a few chunks, not the body.
    expect(ahead).toBeLessThanOrEqual(4 * chunk.length);
  });

  it('refuses a streamed write with fewer live nodes than R', async () => {
    // Prepare
    const { store } = cluster(1, 2);

    // Act
    const write = store.putStream(newBlobId(), sourceOf(content));

    // Assess
    await expect(write).rejects.toBeInstanceOf(InsufficientNodesError);
  });

  it('opens the next replica when the first is corrupt or its node down, before any byte', async () => {
    // Prepare
    const { store, ranked } = cluster(3, 3);
    const blobId = newBlobId();
    await store.putStream(blobId, sourceOf(content));
    const [first, second] = ranked(blobId);
    first!.corrupt(blobId);
    second!.setDown(true);

    // Act
    const read = await readAll(await store.getStream(blobId, { start: 5, end: 150_000 }));

    // Assess
    expect(read.equals(content.subarray(5, 150_001))).toBe(true);
  });

  it('rejects with BlobUnavailableError when no replica can be opened', async () => {
    // Prepare
    const { store, ranked } = cluster(2, 2);
    const blobId = newBlobId();
    await store.putStream(blobId, sourceOf(content));
    for (const node of ranked(blobId)) node.corrupt(blobId);

    // Act
    const read = store.getStream(blobId);

    // Assess
    await expect(read).rejects.toBeInstanceOf(BlobUnavailableError);
  });
});
