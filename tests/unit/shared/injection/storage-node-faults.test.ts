import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createFaultEngine, type FaultEngine } from '../../../../shared/faults/engine.js';
import { withNodeFaults } from '../../../../shared/injection/storage-node-faults.js';
import { createFsNode } from '../../../../shared/storage/adapters/fs-node.js';
import { createMemoryNode } from '../../../../shared/storage/adapters/memory-node.js';
import { BLOB_HEADER_SIZE, encodeBlob } from '../../../../shared/storage/blob-format.js';
import { newBlobId } from '../../../../shared/storage/blob-id.js';
import { staticDiscovery } from '../../../../shared/storage/discovery.js';
import { rankNodes } from '../../../../shared/storage/placement.js';
import { BlobCorruptError, BlobMissingError, NodeFullError } from '../../../../shared/storage/ports.js';
import { createReplicatedBlobStore } from '../../../../shared/storage/replicated-blob-store.js';
import { DAY_MS, manualClock } from '../faults/fault-fixtures.js';

const MODES = ['bitflip', 'zero', 'truncate'] as const;

let dir: string;
let engine: FaultEngine;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'node-faults-'));
  engine = createFaultEngine({ clock: manualClock(), enabled: true, maxTtlMs: DAY_MS });
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function corruptAt(point: 'node.read' | 'node.write', mode: (typeof MODES)[number], node = 'node-1') {
  engine.addRule({ match: { service: 'storage-node', point, node }, fault: { type: 'corrupt', mode } });
}

/** Bits that differ between two equally long buffers. */
function bitsChanged(a: Buffer, b: Buffer): number {
  let count = 0;
  for (let i = 0; i < a.length; i++) {
    for (let x = a[i]! ^ b[i]!; x !== 0; x &= x - 1) count += 1;
  }
  return count;
}

describe('corrupt on an fs node: the stored file is damaged in the chosen mode', () => {
  const bytes = Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7 + 1) % 256));
  const fileOf = (blobId: string) => join(dir, 'blobs', blobId.slice(0, 2), blobId);

  it.each(MODES)(
    'node.write %s: acknowledged, the file on disk is damaged, a read fails its checksum',
    async (mode) => {
      // Prepare
      const node = withNodeFaults(createFsNode({ id: 'node-1', dir, fsync: false }), engine);
      corruptAt('node.write', mode);
      const blobId = newBlobId();

      // Act
      await node.put(blobId, bytes);
      const onDisk = readFileSync(fileOf(blobId));
      const read = node.get(blobId);

      // Assess
      const good = encodeBlob(bytes);
      expect(onDisk.equals(good)).toBe(false);
      if (mode === 'bitflip') {
        expect(onDisk.length).toBe(good.length);
        expect(bitsChanged(onDisk.subarray(BLOB_HEADER_SIZE), good.subarray(BLOB_HEADER_SIZE))).toBe(1);
        expect(onDisk.subarray(0, BLOB_HEADER_SIZE).equals(good.subarray(0, BLOB_HEADER_SIZE))).toBe(true);
      }
      if (mode === 'zero') {
        expect(onDisk.length).toBe(good.length);
        const changed = [...onDisk.keys()].filter((i) => onDisk[i] !== good[i]);
        expect(changed.length).toBeGreaterThan(0);
        expect(changed.every((i) => i >= BLOB_HEADER_SIZE && onDisk[i] === 0)).toBe(true);
      }
      if (mode === 'truncate') {
        expect(onDisk.length).toBeLessThan(good.length);
        expect(onDisk.equals(good.subarray(0, onDisk.length))).toBe(true);
      }
      await expect(read).rejects.toBeInstanceOf(BlobCorruptError);
    },
  );

  it.each(MODES)(
    'node.read %s: the replica on disk is damaged and that read fails its checksum',
    async (mode) => {
      // Prepare
      const node = withNodeFaults(createFsNode({ id: 'node-1', dir, fsync: false }), engine);
      const blobId = newBlobId();
      await node.put(blobId, bytes);
      corruptAt('node.read', mode);

      // Act
      const read = node.get(blobId);
      await expect(read).rejects.toBeInstanceOf(BlobCorruptError);

      // Assess
      expect(readFileSync(fileOf(blobId)).equals(encodeBlob(bytes))).toBe(false);
    },
  );
});

describe('corrupt at node.write through the replicated store', () => {
  it('stores R replicas (one damaged), not a failed write replaced by an extra replica', async () => {
    // Prepare
    const raw = [createMemoryNode('node-1'), createMemoryNode('node-2'), createMemoryNode('node-3')];
    const blobs = createReplicatedBlobStore({
      discovery: staticDiscovery(raw.map((node) => withNodeFaults(node, engine))),
      replicas: 2,
    });
    const blobId = newBlobId();
    const bytes = Buffer.from('bit rot after the write');
    const first = rankNodes(
      blobId,
      raw.map((node) => node.id),
    )[0]!;
    corruptAt('node.write', 'bitflip', first);

    // Act
    const placement = await blobs.put(blobId, bytes);
    const held = await Promise.all(raw.map((node) => node.stat(blobId)));
    const reads = await Promise.allSettled(raw.map((node) => node.get(blobId)));
    const read = await blobs.get(blobId);

    // Assess
    expect(placement.nodes).toHaveLength(2);
    expect(placement.nodes).toContain(first);
    expect(held.filter((stat) => stat !== undefined)).toHaveLength(2);
    const damaged = raw.filter(
      (_, i) =>
        reads[i]!.status === 'rejected' &&
        !((reads[i] as PromiseRejectedResult).reason instanceof BlobMissingError),
    );
    expect(damaged.map((node) => node.id)).toEqual([first]);
    expect(read.equals(bytes)).toBe(true);
  });
});

describe('capacity: a firing only when a write is refused', () => {
  it('logs nothing and spends no `times` for a write that fits; refuses and logs the one that does not', async () => {
    // Prepare: a node with 1 KiB of room, under a rule that may fire once
    const node = withNodeFaults(createMemoryNode('node-1'), engine);
    const rule = engine.addRule({
      match: { service: 'storage-node', point: 'node.write', node: 'node-1' },
      fault: { type: 'capacity', maxBytes: 1024 },
      times: 1,
    });

    // Act: a small write fits, a larger one does not
    await node.put(newBlobId(), Buffer.alloc(100));
    const eventsAfterFit = engine.events({ ruleId: rule.id });
    const refused = node.put(newBlobId(), Buffer.alloc(4096));

    // Assess
    expect(eventsAfterFit).toEqual([]);
    await expect(refused).rejects.toBeInstanceOf(NodeFullError);
    expect(engine.events({ ruleId: rule.id })).toHaveLength(1);
  });
});
