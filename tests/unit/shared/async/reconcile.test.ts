import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { reconcile, startReconciler } from '../../../../shared/async/reconcile.js';
import type { Clock } from '../../../../shared/runtime/clock.js';
import { createFsNode } from '../../../../shared/storage/adapters/fs-node.js';
import { createMemoryNode } from '../../../../shared/storage/adapters/memory-node.js';
import { newBlobId } from '../../../../shared/storage/blob-id.js';
import { staticDiscovery } from '../../../../shared/storage/discovery.js';
import type { StorageNode } from '../../../../shared/storage/ports.js';
import { createReplicatedBlobStore } from '../../../../shared/storage/replicated-blob-store.js';
import { silentLogger } from '../../../../shared/telemetry/logger.js';
import { createFakeMetadata } from './fake-metadata.js';

const GRACE_MS = 10 * 60_000;

function setup(referenced: string[] = []) {
  let now = Date.parse('2025-01-01T00:00:00Z');
  const clock: Clock = { now: () => new Date(now) };
  const nodes = ['node-1', 'node-2', 'node-3'].map((id) => createMemoryNode(id, clock));
  const blobs = createReplicatedBlobStore({ discovery: staticDiscovery(nodes), replicas: 2 });
  const metadata = createFakeMetadata(referenced);
  const deps = { blobs, metadata, clock, orphanGraceMs: GRACE_MS, logger: silentLogger };
  const advance = (ms: number) => {
    now += ms;
  };
  return { nodes, blobs, metadata, deps, advance };
}

async function holders(nodes: readonly StorageNode[], blobId: string): Promise<string[]> {
  const held: string[] = [];
  for (const node of nodes) if (await node.stat(blobId).catch(() => undefined)) held.push(node.id);
  return held.sort();
}

describe('reconcile', () => {
  it('removes unreferenced blobs past the grace period and keeps younger ones', async () => {
    // Prepare
    const { nodes, blobs, deps, advance } = setup();
    const old = newBlobId();
    const young = newBlobId();
    await blobs.put(old, Buffer.from('failed commit'));
    advance(GRACE_MS + 1);
    await blobs.put(young, Buffer.from('commit in flight'));

    // Act
    const report = await reconcile(deps);

    // Assess
    expect(report).toEqual({
      blobsScanned: 2,
      orphansRemoved: 1,
      blobsScrubbed: 0,
      replicasRepaired: 0,
      lost: 0,
      tempFilesRemoved: 0,
    });
    expect(await holders(nodes, old)).toEqual([]);
    expect(await holders(nodes, young)).toHaveLength(2);
  });

  it('never removes a referenced blob, however old', async () => {
    // Prepare
    const blobId = newBlobId();
    const { nodes, blobs, deps, advance } = setup([blobId]);
    await blobs.put(blobId, Buffer.from('live object'));
    advance(GRACE_MS * 10);

    // Act
    const report = await reconcile(deps);

    // Assess
    expect(report.orphansRemoved).toBe(0);
    expect(await holders(nodes, blobId)).toHaveLength(2);
  });

  it('dates an orphan by its newest replica', async () => {
    // Prepare: one old replica, one written just now
    const blobId = newBlobId();
    const { nodes, deps, advance } = setup();
    await nodes[0]!.put(blobId, Buffer.from('x'));
    advance(GRACE_MS + 1);
    await nodes[1]!.put(blobId, Buffer.from('x'));

    // Act
    const report = await reconcile(deps);

    // Assess
    expect(report.orphansRemoved).toBe(0);
    expect(await holders(nodes, blobId)).toHaveLength(2);
  });

  it('repairs referenced blobs to R and counts the lost ones', async () => {
    // Prepare
    const degraded = newBlobId();
    const lost = newBlobId();
    const { nodes, blobs, deps } = setup([degraded, lost]);
    const placement = await blobs.put(degraded, Buffer.from('one copy left'));
    await nodes.find((node) => node.id === placement.nodes[0])!.delete(degraded);

    // Act
    const report = await reconcile(deps);

    // Assess
    expect(report).toEqual({
      blobsScanned: 1,
      orphansRemoved: 0,
      blobsScrubbed: 2,
      replicasRepaired: 1,
      lost: 1,
      tempFilesRemoved: 0,
    });
    expect(await holders(nodes, degraded)).toHaveLength(2);
  });

  it('does not count as lost a blob whose object was deleted while the pass ran', async () => {
    // Prepare: listed as referenced, then the object is deleted and its delete task removes the
    // blob before the repair looks at it.
    const gone = newBlobId();
    const { deps, metadata } = setup([gone]);
    const listReferencedBlobs = metadata.listReferencedBlobs.bind(metadata);
    metadata.listReferencedBlobs = async (after, limit) => {
      const page = await listReferencedBlobs(after, limit);
      metadata.references.delete(gone);
      return page;
    };

    // Act
    const report = await reconcile(deps);

    // Assess
    expect(report.lost).toBe(0);
  });

  it('scrubs every replica of a referenced blob and rewrites a corrupt one', async () => {
    // Prepare: the second replica, which a plain read would never reach, is corrupt
    const blobId = newBlobId();
    const { nodes, blobs, deps } = setup([blobId]);
    const placement = await blobs.put(blobId, Buffer.from('scrub me'));
    const second = nodes.find((node) => node.id === placement.nodes[1])!;
    second.corrupt(blobId);

    // Act
    const report = await reconcile(deps);

    // Assess
    expect(report.replicasRepaired).toBe(1);
    expect((await second.get(blobId)).toString()).toBe('scrub me');
  });

  it('deep-scrubs scrubPerPass blobs a pass, each pass going on where the last one stopped', async () => {
    // Prepare: five referenced blobs, each with a corrupt second replica (a stat cannot see it)
    const referenced = Array.from({ length: 5 }, () => newBlobId()).sort();
    const { nodes, blobs, deps } = setup(referenced);
    for (const blobId of referenced) {
      const placement = await blobs.put(blobId, Buffer.from(`bytes of ${blobId}`));
      nodes.find((node) => node.id === placement.nodes[1])!.corrupt(blobId);
    }
    const scrubCursor = { after: '' };

    // Act
    const passes = [];
    for (let pass = 0; pass < 3; pass++)
      passes.push(await reconcile({ ...deps, scrubPerPass: 2, scrubCursor }));

    // Assess: 2 + 2 + 1, and the third pass wraps around to the first two, which are good now
    expect(passes.map((report) => [report.blobsScrubbed, report.replicasRepaired])).toEqual([
      [2, 2],
      [2, 2],
      [2, 1],
    ]);
    expect(scrubCursor.after).toBe(referenced[0]);
    for (const blobId of referenced) {
      for (const node of nodes) {
        if (await node.stat(blobId)) expect((await node.get(blobId)).toString()).toBe(`bytes of ${blobId}`);
      }
    }
  });

  it('checks every referenced blob by stat even when the deep scrub is off', async () => {
    // Prepare
    const blobId = newBlobId();
    const { nodes, blobs, deps } = setup([blobId]);
    const placement = await blobs.put(blobId, Buffer.from('one copy left'));
    await nodes.find((node) => node.id === placement.nodes[0])!.delete(blobId);

    // Act
    const report = await reconcile({ ...deps, scrubPerPass: 0 });

    // Assess
    expect(report).toMatchObject({ blobsScrubbed: 0, replicasRepaired: 1, lost: 0 });
    expect(await holders(nodes, blobId)).toHaveLength(2);
  });

  it('pages through every referenced blob and batches the reference look-ups', async () => {
    // Prepare: 1100 orphans past grace, 1100 referenced blobs each missing one replica
    const referenced = Array.from({ length: 1100 }, () => newBlobId());
    const { nodes, metadata, deps, advance } = setup(referenced);
    for (const blobId of referenced) await nodes[0]!.put(blobId, Buffer.from('r'));
    for (let i = 0; i < 1100; i++) await nodes[1]!.put(newBlobId(), Buffer.from('o'));
    advance(GRACE_MS + 1);

    // Act
    const report = await reconcile(deps);

    // Assess
    expect(report).toEqual({
      blobsScanned: 2200,
      orphansRemoved: 1100,
      blobsScrubbed: 1000,
      replicasRepaired: 1100,
      lost: 0,
      tempFilesRemoved: 0,
    });
    expect(metadata.lookups.largestBatch).toBe(500);
    expect(metadata.lookups.calls).toBe(5);
  });

  it('skips a node that is down and collects its orphans once it returns', async () => {
    // Prepare
    const blobId = newBlobId();
    const { nodes, deps, advance } = setup();
    await nodes[2]!.put(blobId, Buffer.from('left behind by a lost delete'));
    nodes[2]!.setDown(true);
    advance(GRACE_MS + 1);
    const whileDown = await reconcile(deps);

    // Act
    nodes[2]!.setDown(false);
    const afterReturn = await reconcile(deps);

    // Assess
    expect(whileDown.orphansRemoved).toBe(0);
    expect(afterReturn.orphansRemoved).toBe(1);
    expect(await holders(nodes, blobId)).toEqual([]);
  });
});

describe('startReconciler', () => {
  it('runs a pass at start, never two at once, and stops cleanly', async () => {
    // Prepare
    const { deps, blobs } = setup();
    let inFlight = 0;
    let maxInFlight = 0;
    let passes = 0;
    // Each pass lists the replicas on the nodes exactly once, first.
    const listAll = blobs.listAll.bind(blobs);
    blobs.listAll = async function* () {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
      passes += 1;
      yield* listAll();
    };

    // Act
    const reconciler = startReconciler({ ...deps, intervalMs: 60_000 });
    const [first, second] = await Promise.all([reconciler.runNow(), reconciler.runNow()]);
    await reconciler.stop();

    // Assess: the start pass, then one coalesced pass for both runNow calls
    expect(first).toEqual(second);
    expect(passes).toBe(2);
    expect(maxInFlight).toBe(1);
  });
});

describe('reconcile and temp files', () => {
  it('removes the temp files of killed writes older than the grace period, and keeps younger ones', async () => {
    // Prepare: two fs nodes; node-1 holds a killed write's leftover and a write younger than the grace
    const dir = mkdtempSync(join(tmpdir(), 'reconcile-tmp-'));
    try {
      const nodes = ['node-1', 'node-2'].map((id) => createFsNode({ id, dir: join(dir, id), fsync: false }));
      const blobs = createReplicatedBlobStore({ discovery: staticDiscovery(nodes), replicas: 2 });
      const tmp = join(dir, 'node-1', 'tmp');
      const now = Date.now();
      writeFileSync(join(tmp, 'killed.1.1.tmp'), Buffer.alloc(4096));
      utimesSync(
        join(tmp, 'killed.1.1.tmp'),
        new Date(now - GRACE_MS - 1000),
        new Date(now - GRACE_MS - 1000),
      );
      writeFileSync(join(tmp, 'recent.1.2.tmp'), Buffer.alloc(4096));
      utimesSync(
        join(tmp, 'recent.1.2.tmp'),
        new Date(now - GRACE_MS + 60_000),
        new Date(now - GRACE_MS + 60_000),
      );
      const deps = {
        blobs,
        metadata: createFakeMetadata([]),
        clock: { now: () => new Date(now) },
        orphanGraceMs: GRACE_MS,
        logger: silentLogger,
      };

      // Act
      const report = await reconcile(deps);

      // Assess
      expect(report.tempFilesRemoved).toBe(1);
      expect(readdirSync(tmp)).toEqual(['recent.1.2.tmp']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
