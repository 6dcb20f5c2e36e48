import { describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { createMemoryNode, type MemoryNode } from '../../../../shared/storage/adapters/memory-node.js';
import { newBlobId } from '../../../../shared/storage/blob-id.js';
import type { Discovery } from '../../../../shared/storage/discovery.js';
import { createReplicatedBlobStore } from '../../../../shared/storage/replicated-blob-store.js';
import {
  createStorageMetrics,
  NODE_CENSUS_MAX_AGE_MS,
} from '../../../../shared/telemetry/storage-metrics.js';
import { readAll, sourceOf } from '../../../support/blob-streams.js';
import { samples, sampleValue } from '../../../support/registry-samples.js';
import { manualClock } from '../faults/fault-fixtures.js';

/** Three memory nodes behind a measured discovery and blob store with R replicas. */
function measuredStore(replicas: number) {
  const clock = manualClock();
  const nodes: MemoryNode[] = ['node-1', 'node-2', 'node-3'].map((id) => createMemoryNode(id));
  let listed: readonly MemoryNode[] = nodes;
  const registry = new Registry();
  const metrics = createStorageMetrics({ registry, viewNodes: () => listed, clock, healthTimeoutMs: 50 });
  const discovery: Discovery = metrics.measureNodes({ nodes: () => listed });
  const blobs = metrics.measureBlobWrites(createReplicatedBlobStore({ discovery, replicas }));
  return {
    nodes,
    blobs,
    registry,
    clock,
    /** What discovery lists from now on (a lease lapsed: the node is gone). */
    list(next: MemoryNode[]) {
      listed = next;
    },
  };
}

describe('write amplification', () => {
  it('counts every replica written per node against the bytes acknowledged', async () => {
    // Prepare
    const { blobs, registry } = measuredStore(3);
    const bytes = Buffer.alloc(1000, 7);

    // Act
    await blobs.put(newBlobId(), bytes);
    await blobs.put(newBlobId(), bytes.subarray(0, 500));

    // Assess
    for (const node of ['node-1', 'node-2', 'node-3']) {
      expect(await sampleValue(registry, 'storage_bytes_written_total', { node })).toBe(1500);
    }
    expect(await sampleValue(registry, 's3_bytes_acknowledged_total')).toBe(1500);
    expect(await sampleValue(registry, 'write_amplification_ratio')).toBe(3);
  });

  it('counts a repair as written but not as acknowledged', async () => {
    // Prepare
    const { blobs, nodes, registry } = measuredStore(2);
    const blobId = newBlobId();
    const placement = await blobs.put(blobId, Buffer.alloc(100, 1));
    const holder = nodes.find((node) => node.id === placement.nodes[0])!;
    await holder.delete(blobId);

    // Act
    await blobs.repair(blobId);

    // Assess
    expect(await sampleValue(registry, 's3_bytes_acknowledged_total')).toBe(100);
    expect(await sampleValue(registry, 'write_amplification_ratio')).toBe(3);
  });

  it('does not acknowledge a write that failed, and reads 0 before any write', async () => {
    // Prepare
    const { blobs, nodes, registry } = measuredStore(3);
    nodes[2]!.setDown(true);
    const before = await sampleValue(registry, 'write_amplification_ratio');

    // Act
    const put = blobs.put(newBlobId(), Buffer.alloc(10));

    // Assess
    await expect(put).rejects.toThrow();
    expect(before).toBe(0);
    expect(await sampleValue(registry, 's3_bytes_acknowledged_total')).toBe(0);
  });
});

describe('storage_node_io_duration_seconds', () => {
  it('times each call to a node by node and operation, failed calls included', async () => {
    // Prepare
    const { blobs, nodes, registry } = measuredStore(3);
    const blobId = newBlobId();
    await blobs.put(blobId, Buffer.alloc(10));
    for (const node of nodes) node.setDown(true);

    // Act
    const read = blobs.get(blobId);

    // Assess: the read failed over across every node, each call timed.
    await expect(read).rejects.toThrow();
    for (const node of ['node-1', 'node-2', 'node-3']) {
      for (const operation of ['put', 'get']) {
        expect(
          await sampleValue(registry, 'storage_node_io_duration_seconds_count', { node, operation }),
        ).toBe(1);
      }
    }
  });
});

describe('streamed writes and reads', () => {
  it('counts and times a streamed write per replica, and acknowledges its size once', async () => {
    // Prepare
    const { blobs, registry } = measuredStore(3);
    const blobId = newBlobId();

    // Act
    await blobs.putStream(blobId, sourceOf(Buffer.alloc(1200, 9), { chunkSize: 500 }));
    const read = await readAll(await blobs.getStream(blobId, { start: 0, end: 99 }));

    // Assess
    expect(read.length).toBe(100);
    expect(await sampleValue(registry, 's3_bytes_acknowledged_total')).toBe(1200);
    for (const node of ['node-1', 'node-2', 'node-3']) {
      expect(await sampleValue(registry, 'storage_bytes_written_total', { node })).toBe(1200);
      expect(
        await sampleValue(registry, 'storage_node_io_duration_seconds_count', { node, operation: 'put' }),
      ).toBe(1);
    }
    const opened = await Promise.all(
      ['node-1', 'node-2', 'node-3'].map((node) =>
        sampleValue(registry, 'storage_node_io_duration_seconds_count', { node, operation: 'get' }),
      ),
    );
    expect(opened.reduce((sum, count) => (sum ?? 0) + (count ?? 0), 0)).toBe(1);
  });
});

describe('storage_node_up and storage_node_used_bytes', () => {
  it('reads each node health: 1 and its bytes when healthy, 0 and no bytes when down', async () => {
    // Prepare
    const { blobs, nodes, registry } = measuredStore(3);
    await blobs.put(newBlobId(), Buffer.alloc(300));
    nodes[1]!.setDown(true);

    // Act
    const up = await samples(registry, 'storage_node_up');
    const used = await samples(registry, 'storage_node_used_bytes');

    // Assess
    expect(Object.fromEntries(up.map((sample) => [sample.labels.node, sample.value]))).toEqual({
      'node-1': 1,
      'node-2': 0,
      'node-3': 1,
    });
    expect(Object.fromEntries(used.map((sample) => [sample.labels.node, sample.value]))).toEqual({
      'node-1': 300,
      'node-3': 300,
    });
  });

  it('counts a node whose health does not answer in time as down', async () => {
    // Prepare: a partitioned worker, whose health call hangs.
    const { nodes, registry, list } = measuredStore(2);
    const hanging = { ...nodes[2]!, health: () => new Promise<never>(() => undefined) };
    list([nodes[0]!, nodes[1]!, hanging]);

    // Act
    const up = await sampleValue(registry, 'storage_node_up', { node: 'node-3' });

    // Assess
    expect(up).toBe(0);
    expect(await sampleValue(registry, 'storage_node_used_bytes', { node: 'node-3' })).toBeUndefined();
  });

  it('keeps a node that left discovery as down, and reads anew only after the census ages', async () => {
    // Prepare
    const { nodes, registry, clock, list } = measuredStore(2);
    expect(await sampleValue(registry, 'storage_node_up', { node: 'node-3' })).toBe(1);

    // Act
    list(nodes.slice(0, 2));
    const cached = await sampleValue(registry, 'storage_node_up', { node: 'node-3' });
    clock.advance(NODE_CENSUS_MAX_AGE_MS);

    // Assess
    expect(cached).toBe(1);
    expect(await sampleValue(registry, 'storage_node_up', { node: 'node-3' })).toBe(0);
    expect(await sampleValue(registry, 'storage_node_used_bytes', { node: 'node-3' })).toBeUndefined();
  });
});
