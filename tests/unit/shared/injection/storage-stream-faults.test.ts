import { beforeEach, describe, expect, it } from '@jest/globals';
import { createFaultEngine, type FaultEngine } from '../../../../shared/faults/engine.js';
import { InjectedFault } from '../../../../shared/faults/injected-fault.js';
import type { Fault, InjectionPoint } from '../../../../shared/faults/rule.js';
import { withStorageFaults } from '../../../../shared/injection/blob-store-faults.js';
import { withNodeFaults } from '../../../../shared/injection/storage-node-faults.js';
import { createMemoryNode, type MemoryNode } from '../../../../shared/storage/adapters/memory-node.js';
import { newBlobId } from '../../../../shared/storage/blob-id.js';
import { staticDiscovery } from '../../../../shared/storage/discovery.js';
import {
  BlobCorruptError,
  BlobMissingError,
  NodeFullError,
  type StorageNode,
} from '../../../../shared/storage/ports.js';
import { createReplicatedBlobStore } from '../../../../shared/storage/replicated-blob-store.js';
import { readAll, sourceOf } from '../../../support/blob-streams.js';
import { DAY_MS, manualClock } from '../faults/fault-fixtures.js';

const content = Buffer.from(Array.from({ length: 40_000 }, (_, i) => (i * 13 + 5) % 256));

let engine: FaultEngine;
let disk: MemoryNode;
let node: StorageNode;

beforeEach(() => {
  engine = createFaultEngine({ clock: manualClock(), enabled: true, maxTtlMs: DAY_MS });
  disk = createMemoryNode('node-1');
  node = withNodeFaults(disk, engine);
});

function ruleAt(point: InjectionPoint, fault: Fault) {
  const service = point.startsWith('node.') ? 'storage-node' : 'storage';
  return engine.addRule({ match: { service, point }, fault });
}

describe('node.write on putStream, as on put', () => {
  it('io_latency delays the streamed write', async () => {
    // Prepare
    ruleAt('node.write', { type: 'io_latency', ms: 60 });
    const started = performance.now();

    // Act
    await node.putStream(newBlobId(), sourceOf(content));

    // Assess
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });

  it('io_error fails the streamed write and stores nothing', async () => {
    // Prepare
    ruleAt('node.write', { type: 'io_error', errno: 'EIO' });
    const blobId = newBlobId();

    // Act
    const write = node.putStream(blobId, sourceOf(content));

    // Assess
    await expect(write).rejects.toBeInstanceOf(InjectedFault);
    expect(await disk.stat(blobId)).toBeUndefined();
  });

  it('stale_replica acknowledges the streamed write, takes its bytes and stores nothing', async () => {
    // Prepare
    ruleAt('node.write', { type: 'stale_replica' });
    const blobId = newBlobId();
    const source = sourceOf(content);

    // Act
    await node.putStream(blobId, source);

    // Assess
    expect(source.stream.readableEnded).toBe(true);
    expect(await disk.stat(blobId)).toBeUndefined();
  });

  it('capacity refuses a streamed write that does not fit with NodeFullError', async () => {
    // Prepare
    ruleAt('node.write', { type: 'capacity', maxBytes: 1024 });

    // Act
    const write = node.putStream(newBlobId(), sourceOf(content));

    // Assess
    await expect(write).rejects.toBeInstanceOf(NodeFullError);
  });

  it('corrupt acknowledges the streamed write and damages the stored replica', async () => {
    // Prepare
    ruleAt('node.write', { type: 'corrupt', mode: 'bitflip' });
    const blobId = newBlobId();

    // Act
    await node.putStream(blobId, sourceOf(content));

    // Assess
    await expect(disk.getStream(blobId)).rejects.toBeInstanceOf(BlobCorruptError);
  });
});

describe('node.read on getStream, as on get', () => {
  it('corrupt damages the replica just before it is opened: the opening fails its checksum', async () => {
    // Prepare
    const blobId = newBlobId();
    await node.putStream(blobId, sourceOf(content));
    ruleAt('node.read', { type: 'corrupt', mode: 'zero' });

    // Act
    const read = node.getStream(blobId);

    // Assess
    await expect(read).rejects.toBeInstanceOf(BlobCorruptError);
  });

  it('stale_replica makes the replica read as missing', async () => {
    // Prepare
    const blobId = newBlobId();
    await node.putStream(blobId, sourceOf(content));
    ruleAt('node.read', { type: 'stale_replica' });

    // Act
    const read = node.getStream(blobId);

    // Assess
    await expect(read).rejects.toBeInstanceOf(BlobMissingError);
  });

  it('io_latency delays the opening', async () => {
    // Prepare
    const blobId = newBlobId();
    await node.putStream(blobId, sourceOf(content));
    ruleAt('node.read', { type: 'io_latency', ms: 60 });
    const started = performance.now();

    // Act
    const read = await readAll(await node.getStream(blobId, { start: 10, end: 19 }));

    // Assess
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
    expect(read.equals(content.subarray(10, 20))).toBe(true);
  });

  it('io_error fails the opening', async () => {
    // Prepare
    const blobId = newBlobId();
    await node.putStream(blobId, sourceOf(content));
    ruleAt('node.read', { type: 'io_error', errno: 'EIO' });

    // Act
    const read = node.getStream(blobId);

    // Assess
    await expect(read).rejects.toBeInstanceOf(InjectedFault);
  });
});

describe('storage.* on the blob store stream methods', () => {
  const store = () =>
    withStorageFaults(
      createReplicatedBlobStore({ discovery: staticDiscovery([node]), replicas: 1 }),
      engine,
      staticDiscovery([node]),
    );

  it('storage.put.before s3_error refuses a streamed write before it stores anything', async () => {
    // Prepare
    ruleAt('storage.put.before', { type: 's3_error', code: 'SlowDown' });
    const blobId = newBlobId();

    // Act
    const write = store().putStream(blobId, sourceOf(content));

    // Assess
    await expect(write).rejects.toMatchObject({ code: 'SlowDown' });
    expect(await disk.stat(blobId)).toBeUndefined();
  });

  it('storage.get s3_error fails the opening of a streamed read', async () => {
    // Prepare
    const blobs = store();
    const blobId = newBlobId();
    await blobs.putStream(blobId, sourceOf(content));
    ruleAt('storage.get', { type: 's3_error', code: 'InternalError' });

    // Act
    const read = blobs.getStream(blobId);

    // Assess
    await expect(read).rejects.toMatchObject({ code: 'InternalError' });
  });
});
