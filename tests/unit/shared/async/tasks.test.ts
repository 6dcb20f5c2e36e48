import { describe, expect, it, jest } from '@jest/globals';
import {
  createReferenceLookup,
  createTaskRunner,
  StorageDeleteIncompleteError,
} from '../../../../shared/async/tasks.js';
import { loadConfig } from '../../../../shared/config/env.js';
import { createMemoryQueue } from '../../../../shared/queue/adapters/memory-queue.js';
import type { Delivery, Task } from '../../../../shared/queue/ports.js';
import { createMemoryNode } from '../../../../shared/storage/adapters/memory-node.js';
import { newBlobId } from '../../../../shared/storage/blob-id.js';
import { staticDiscovery } from '../../../../shared/storage/discovery.js';
import { rankNodes } from '../../../../shared/storage/placement.js';
import type { StorageNode } from '../../../../shared/storage/ports.js';
import { createReplicatedBlobStore } from '../../../../shared/storage/replicated-blob-store.js';
import { createLogger } from '../../../../shared/telemetry/logger.js';
import { createFakeMetadata } from './fake-metadata.js';

function setup(referenced: string[] = []) {
  const nodes = ['node-1', 'node-2', 'node-3'].map((id) => createMemoryNode(id));
  const blobs = createReplicatedBlobStore({ discovery: staticDiscovery(nodes), replicas: 2 });
  const metadata = createFakeMetadata(referenced);
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level: 'debug', write: (line) => lines.push(JSON.parse(line)) });
  const runTask = createTaskRunner({ blobs, metadata, logger });
  const ranked = (blobId: string) =>
    rankNodes(
      blobId,
      nodes.map((node) => node.id),
    ).map((id) => nodes.find((node) => node.id === id)!);
  let sequence = 0;
  const deliver = (task: Task, attempt = 1): Promise<void> => {
    const delivery: Delivery = { id: `d-${++sequence}`, task, attempt };
    return runTask(delivery);
  };
  return { nodes, blobs, metadata, lines, deliver, ranked };
}

async function holders(nodes: readonly StorageNode[], blobId: string): Promise<string[]> {
  const held: string[] = [];
  for (const node of nodes) if (await node.stat(blobId).catch(() => undefined)) held.push(node.id);
  return held.sort();
}

describe('upload_completed', () => {
  it('repairs each blob of the committed object back to R replicas', async () => {
    // Prepare
    const blobId = newBlobId();
    const { nodes, blobs, deliver, ranked, lines } = setup([blobId]);
    await blobs.put(blobId, Buffer.from('part one'));
    const [first] = ranked(blobId);
    await first!.delete(blobId);

    // Act
    await deliver({ type: 'upload_completed', bucket: 'b', key: 'k', blobIds: [blobId] });

    // Assess
    expect((await first!.get(blobId)).toString()).toBe('part one');
    expect(await holders(nodes, blobId)).toHaveLength(2);
    expect(lines.some((line) => line.message === 'replicas repaired' && line.blob_id === blobId)).toBe(true);
  });

  it('checks replicas by stat only, without a metadata look-up, when all R are present', async () => {
    // Prepare: a corrupt replica is the reconcile scrub's to find, not this task's
    const blobId = newBlobId();
    const { nodes, blobs, metadata, deliver, ranked } = setup([blobId]);
    await blobs.put(blobId, Buffer.from('part one'));
    const reads = nodes.map((node) => jest.spyOn(node, 'get'));

    // Act
    await deliver({ type: 'upload_completed', bucket: 'b', key: 'k', blobIds: [blobId] });

    // Assess
    expect(reads.map((read) => read.mock.calls.length)).toEqual([0, 0, 0]);
    expect(metadata.lookups.calls).toBe(0);
    expect(await holders(nodes, blobId)).toEqual(
      ranked(blobId)
        .slice(0, 2)
        .map((node) => node.id)
        .sort(),
    );
  });

  it('logs a lost blob as an error instead of throwing', async () => {
    // Prepare
    const blobId = newBlobId();
    const { deliver, lines } = setup([blobId]);

    // Act
    await deliver({ type: 'upload_completed', bucket: 'b', key: 'k', blobIds: [blobId] });

    // Assess
    expect(lines.filter((line) => line.level === 'error').map((line) => line.blob_id)).toEqual([blobId]);
  });

  it('does not resurrect a blob that is no longer referenced', async () => {
    // Prepare: the object was overwritten and one replica already deleted
    const blobId = newBlobId();
    const { nodes, blobs, deliver, ranked } = setup([]);
    await blobs.put(blobId, Buffer.from('stale'));
    await ranked(blobId)[0]!.delete(blobId);

    // Act
    await deliver({ type: 'upload_completed', bucket: 'b', key: 'k', blobIds: [blobId] });

    // Assess
    expect(await holders(nodes, blobId)).toHaveLength(1);
  });
});

describe('delete_from_storage', () => {
  it('deletes unreferenced blobs from every node', async () => {
    // Prepare
    const blobIds = [newBlobId(), newBlobId()];
    const { nodes, blobs, deliver } = setup();
    for (const blobId of blobIds) await blobs.put(blobId, Buffer.from(blobId));

    // Act
    await deliver({ type: 'delete_from_storage', blobIds });

    // Assess
    for (const blobId of blobIds) expect(await holders(nodes, blobId)).toEqual([]);
  });

  it('never deletes a blob that metadata still references', async () => {
    // Prepare
    const kept = newBlobId();
    const doomed = newBlobId();
    const { nodes, blobs, deliver } = setup([kept]);
    await blobs.put(kept, Buffer.from('kept'));
    await blobs.put(doomed, Buffer.from('doomed'));

    // Act
    await deliver({ type: 'delete_from_storage', blobIds: [kept, doomed] });

    // Assess
    expect(await holders(nodes, kept)).toHaveLength(2);
    expect(await holders(nodes, doomed)).toEqual([]);
  });

  it('succeeds when one node confirms and leaves the node that was down to reconcile', async () => {
    // Prepare
    const blobId = newBlobId();
    const { nodes, blobs, deliver, ranked } = setup();
    await blobs.put(blobId, Buffer.from('x'));
    const [first] = ranked(blobId);
    first!.setDown(true);

    // Act
    await deliver({ type: 'delete_from_storage', blobIds: [blobId] });

    // Assess
    first!.setDown(false);
    expect(await holders(nodes, blobId)).toEqual([first!.id]);
  });

  it('throws so the queue redelivers when no node confirmed', async () => {
    // Prepare
    const blobId = newBlobId();
    const { nodes, blobs, deliver } = setup();
    await blobs.put(blobId, Buffer.from('x'));
    for (const node of nodes) node.setDown(true);

    // Act
    const outcome = deliver({ type: 'delete_from_storage', blobIds: [blobId] });

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(StorageDeleteIncompleteError);
  });

  it('is harmless when delivered twice, even after the blob id was reused by a new upload', async () => {
    // Prepare
    const blobId = newBlobId();
    const other = newBlobId();
    const { nodes, blobs, metadata, deliver } = setup([other]);
    await blobs.put(blobId, Buffer.from('x'));
    await blobs.put(other, Buffer.from('y'));
    const task: Task = { type: 'delete_from_storage', blobIds: [blobId] };
    await deliver(task);

    // Act: a duplicate delivery, then a late one carrying a now-referenced blob
    await deliver(task, 2);
    await deliver({ type: 'delete_from_storage', blobIds: [blobId, other] }, 3);

    // Assess
    expect(await holders(nodes, blobId)).toEqual([]);
    expect(await holders(nodes, other)).toHaveLength(2);
    expect(metadata.lookups.calls).toBe(3);
  });

  it('batches the reference look-ups', async () => {
    // Prepare
    const blobIds = Array.from({ length: 1200 }, () => newBlobId());
    const { metadata, deliver } = setup();

    // Act
    await deliver({ type: 'delete_from_storage', blobIds });

    // Assess
    expect(metadata.lookups).toEqual({ calls: 3, largestBatch: 500 });
  });
});

describe('createReferenceLookup', () => {
  it('merges look-ups asked for while one runs into a single query, answering each its own ids', async () => {
    // Prepare
    const metadata = createFakeMetadata(['a', 'c', 'e']);
    const lookUp = createReferenceLookup(metadata);

    // Act
    const answers = await Promise.all([lookUp(['a', 'b']), lookUp(['c', 'd']), lookUp(['e', 'a'])]);

    // Assess: the first runs alone, the two asked meanwhile share the second query
    expect(answers).toEqual([new Set(['a']), new Set(['c']), new Set(['e', 'a'])]);
    expect(metadata.lookups).toEqual({ calls: 2, largestBatch: 4 });
  });

  it('waits gatherMs for other look-ups before the first query', async () => {
    // Prepare
    const metadata = createFakeMetadata(['a', 'c']);
    const lookUp = createReferenceLookup(metadata, { gatherMs: 5 });

    // Act
    const first = lookUp(['a', 'b']);
    await Promise.resolve();
    const second = lookUp(['c']);
    const answers = await Promise.all([first, second]);

    // Assess
    expect(answers).toEqual([new Set(['a']), new Set(['c'])]);
    expect(metadata.lookups).toEqual({ calls: 1, largestBatch: 3 });
  });

  it('rejects every caller of a failed look-up', async () => {
    // Prepare
    const metadata = createFakeMetadata();
    metadata.referencedBlobs = async () => {
      throw new Error('metadata down');
    };
    const lookUp = createReferenceLookup(metadata);

    // Act
    const outcomes = await Promise.allSettled([lookUp(['a']), lookUp(['b'])]);

    // Assess
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
  });
});

describe('a burst of delete tasks through the embedded queue', () => {
  it('shares reference look-ups across the default number of concurrent tasks', async () => {
    // Prepare: 128 replaced blobs, each deleted by its own task, as a PUT-overwrite load publishes
    const { nodes, blobs, metadata } = setup();
    const blobIds = Array.from({ length: 128 }, () => newBlobId());
    for (const blobId of blobIds) await blobs.put(blobId, Buffer.from(blobId));
    const runTask = createTaskRunner({ blobs, metadata, logger: createLogger({ level: 'silent' }) });
    const queue = createMemoryQueue({
      maxAttempts: 1,
      concurrency: loadConfig({}).queue.concurrency,
    });
    queue.consume(runTask);

    // Act
    for (const blobId of blobIds) await queue.publish({ type: 'delete_from_storage', blobIds: [blobId] });
    await queue.drain(10_000);
    await queue.close();

    // Assess: each look-up waits a few ms for others, so tasks running side by side share one.
    // With 4 tasks at a time (the old default) this took 32 look-ups and capped deletes below
    // 800 a second; the queue fell behind a PUT-overwrite load for as long as it lasted.
    expect(metadata.lookups.calls).toBeLessThanOrEqual(8);
    expect(metadata.lookups.largestBatch).toBeGreaterThanOrEqual(32);
    for (const blobId of blobIds) expect(await holders(nodes, blobId)).toEqual([]);
  });
});
