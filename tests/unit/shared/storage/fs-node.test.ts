import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createFsNode, type FsNode } from '../../../../shared/storage/adapters/fs-node.js';
import { newBlobId } from '../../../../shared/storage/blob-id.js';
import { BlobCorruptError, BlobMissingError, InvalidBlobIdError } from '../../../../shared/storage/ports.js';

let dir: string;
let node: FsNode;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fs-node-'));
  node = createFsNode({ id: 'node-1', dir });
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const blobPath = (blobId: string) => join(dir, 'blobs', blobId.slice(0, 2), blobId);

describe('fs node', () => {
  it('stores a blob under blobs/<2 chars>/<id> and reads it back verified', async () => {
    // Prepare
    const blobId = newBlobId();
    const bytes = Buffer.from('hello, storage node');

    // Act
    await node.put(blobId, bytes);
    const read = await node.get(blobId);

    // Assess
    expect(read.equals(bytes)).toBe(true);
    expect(readFileSync(blobPath(blobId)).length).toBe(48 + bytes.length);
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
  });

  it('stores and reads an empty blob', async () => {
    // Prepare
    const blobId = newBlobId();

    // Act
    await node.put(blobId, Buffer.alloc(0));

    // Assess
    expect((await node.get(blobId)).length).toBe(0);
    expect((await node.stat(blobId))?.size).toBe(0);
  });

  it.each(['../../etc/passwd', 'short', 'a/b/c/d/e/f', 'abc.defgh', '..........', 'x'.repeat(129), ''])(
    'refuses the blob id %p',
    async (blobId) => {
      // Act / Assess
      await expect(node.put(blobId, Buffer.from('x'))).rejects.toBeInstanceOf(InvalidBlobIdError);
      await expect(node.get(blobId)).rejects.toBeInstanceOf(InvalidBlobIdError);
      await expect(node.delete(blobId)).rejects.toBeInstanceOf(InvalidBlobIdError);
      await expect(node.stat(blobId)).rejects.toBeInstanceOf(InvalidBlobIdError);
    },
  );

  it('detects a flipped byte on disk', async () => {
    // Prepare
    const blobId = newBlobId();
    await node.put(blobId, Buffer.from('precious bytes'));
    const file = readFileSync(blobPath(blobId));
    file[file.length - 3]! ^= 0x10;
    writeFileSync(blobPath(blobId), file);

    // Act / Assess
    await expect(node.get(blobId)).rejects.toBeInstanceOf(BlobCorruptError);
  });

  it('detects a truncated file', async () => {
    // Prepare
    const blobId = newBlobId();
    await node.put(blobId, Buffer.alloc(1024, 7));
    writeFileSync(blobPath(blobId), readFileSync(blobPath(blobId)).subarray(0, 600));

    // Act / Assess
    await expect(node.get(blobId)).rejects.toBeInstanceOf(BlobCorruptError);
  });

  it('reports a missing blob as BlobMissingError, stat undefined, and deleting it succeeds', async () => {
    // Prepare
    const blobId = newBlobId();

    // Act / Assess
    await expect(node.get(blobId)).rejects.toBeInstanceOf(BlobMissingError);
    expect(await node.stat(blobId)).toBeUndefined();
    await expect(node.delete(blobId)).resolves.toBeUndefined();
  });

  it('overwrites, deletes, lists and counts blobs', async () => {
    // Prepare
    const [a, b, c] = [newBlobId(), newBlobId(), newBlobId()];
    await node.put(a, Buffer.from('first'));
    await node.put(a, Buffer.from('second!'));
    await node.put(b, Buffer.from('bb'));
    await node.put(c, Buffer.from('ccc'));

    // Act
    await node.delete(c);
    const listed = [];
    for await (const entry of node.list()) listed.push(entry);
    const health = await node.health();

    // Assess
    expect((await node.get(a)).toString()).toBe('second!');
    expect(listed.map((entry) => entry.blobId).sort()).toEqual([a, b].sort());
    expect(listed.find((entry) => entry.blobId === a)?.size).toBe(7);
    expect(health).toEqual({ id: 'node-1', healthy: true, blobs: 2, bytes: 9 });
  });

  it("rewrites a deleted small replica's file for the next put instead of creating one", async () => {
    // Prepare
    const [old, next] = [newBlobId(), newBlobId()];
    await node.put(old, Buffer.alloc(3000, 1));

    // Act
    await node.delete(old);
    const goneAtOnce = await node.stat(old);
    const spares = readdirSync(join(dir, 'tmp'));
    const spareInode = spares.length === 1 ? statSync(join(dir, 'tmp', spares[0]!)).ino : undefined;
    await node.put(next, Buffer.from('shorter'));

    // Assess
    expect(goneAtOnce).toBeUndefined();
    await expect(node.get(old)).rejects.toBeInstanceOf(BlobMissingError);
    expect(spares).toHaveLength(1);
    expect(statSync(blobPath(next)).ino).toBe(spareInode);
    // Truncated to its new size: the longer old content left nothing behind.
    expect(statSync(blobPath(next)).size).toBe(48 + 'shorter'.length);
    expect((await node.get(next)).toString()).toBe('shorter');
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
  });

  it('lands concurrent rewrites of spares into one shard, each readable and intact', async () => {
    // Prepare: ten spares, then ten new blobs sharing one shard (as the ids of one turn do)
    for (let i = 0; i < 10; i++) {
      const old = newBlobId();
      await node.put(old, Buffer.alloc(100 + i, i));
      await node.delete(old);
    }
    const ids = Array.from({ length: 10 }, (_, i) => `ab${String(i).padStart(30, '0')}`);

    // Act
    await Promise.all(ids.map((id, i) => node.put(id, Buffer.from(`blob number ${i}`))));

    // Assess
    for (const [i, id] of ids.entries()) expect((await node.get(id)).toString()).toBe(`blob number ${i}`);
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
  });

  it('still writes when a spare file was swept away by someone else', async () => {
    // Prepare
    const [old, next] = [newBlobId(), newBlobId()];
    await node.put(old, Buffer.from('old'));
    await node.delete(old);
    for (const name of readdirSync(join(dir, 'tmp'))) rmSync(join(dir, 'tmp', name));

    // Act
    await node.put(next, Buffer.from('new'));

    // Assess
    expect((await node.get(next)).toString()).toBe('new');
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
  });

  it('unlinks large replicas rather than keeping them as spares', async () => {
    // Prepare
    const large = newBlobId();
    await node.put(large, Buffer.alloc(64 * 1024, 2));

    // Act
    await node.delete(large);

    // Assess
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
    expect(await node.stat(large)).toBeUndefined();
  });

  it('takes storedAt from the injected clock', async () => {
    // Prepare
    const at = new Date('2024-01-02T03:04:05.000Z');
    const clocked = createFsNode({ id: 'node-2', dir, clock: { now: () => at }, fsync: false });
    const blobId = newBlobId();

    // Act
    await clocked.put(blobId, Buffer.from('x'));

    // Assess
    expect((await clocked.stat(blobId))?.storedAt.getTime()).toBe(at.getTime());
  });

  it('removes stale temp files at open and keeps fresh ones', () => {
    // Prepare
    const tmp = join(dir, 'tmp');
    mkdirSync(tmp, { recursive: true });
    writeFileSync(join(tmp, 'stale.tmp'), 'half a write');
    utimesSync(join(tmp, 'stale.tmp'), new Date('2020-01-01'), new Date('2020-01-01'));
    writeFileSync(join(tmp, 'fresh.tmp'), 'a write in progress');

    // Act
    createFsNode({ id: 'node-1', dir });

    // Assess
    expect(readdirSync(tmp)).toEqual(['fresh.tmp']);
  });

  it('sweeps temp files older than the cutoff, keeping fresh ones and its own spares', async () => {
    // Prepare: a killed write's leftover, a fresh temp file, and a spare (a deleted small replica)
    const tmp = join(dir, 'tmp');
    writeFileSync(join(tmp, 'killed.1.1.tmp'), 'half a write');
    utimesSync(join(tmp, 'killed.1.1.tmp'), new Date('2020-01-01'), new Date('2020-01-01'));
    const blobId = newBlobId();
    await node.put(blobId, Buffer.from('soon a spare'));
    await node.delete(blobId);
    const spare = readdirSync(tmp).find((name) => name.startsWith('spare.'))!;
    utimesSync(join(tmp, spare), new Date('2020-01-01'), new Date('2020-01-01'));
    writeFileSync(join(tmp, 'other-writer.2.1.tmp'), 'a write in progress elsewhere');

    // Act
    const removed = await node.sweepTempFiles(new Date(Date.now() - 60_000));

    // Assess
    expect(removed).toBe(1);
    expect(readdirSync(tmp).sort()).toEqual(['other-writer.2.1.tmp', spare].sort());
  });

  it('writes a small new replica of a node that does not flush within the put call, with no thread-pool round trip', async () => {
    // Prepare
    const unflushed = createFsNode({ id: 'node-3', dir: join(dir, 'unflushed'), fsync: false });
    const blobId = newBlobId();
    const path = join(dir, 'unflushed', 'blobs', blobId.slice(0, 2), blobId);

    // Act
    const writing = unflushed.put(blobId, Buffer.from('small and new'));
    const inPlaceAtOnce = existsSync(path);
    await writing;

    // Assess
    expect(inPlaceAtOnce).toBe(true);
    expect((await unflushed.get(blobId)).toString()).toBe('small and new');
    expect(readdirSync(join(dir, 'unflushed', 'tmp'))).toEqual([]);
  });

  it('never sweeps the temp file of a write in progress, however old the cutoff says it is', async () => {
    // Prepare
    const tmp = join(dir, 'tmp');
    const blobId = newBlobId();
    const bytes = Buffer.alloc(32 * 1024 * 1024, 7);

    // Act: sweep with a cutoff in the future (every file "old") once the write's temp file exists
    const writing = node.put(blobId, bytes);
    const deadline = Date.now() + 5_000;
    while (readdirSync(tmp).length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    const seen = readdirSync(tmp);
    const removed = await node.sweepTempFiles(new Date(Date.now() + 3_600_000));
    await writing;

    // Assess
    expect(seen).toHaveLength(1);
    expect(removed).toBe(0);
    expect((await node.get(blobId)).equals(bytes)).toBe(true);
  });

  it('recovers when the shard directory vanished (a wiped disk)', async () => {
    // Prepare
    const blobId = newBlobId();
    await node.put(blobId, Buffer.from('one'));
    rmSync(join(dir, 'blobs', blobId.slice(0, 2)), { recursive: true });

    // Act
    await node.put(blobId, Buffer.from('two'));

    // Assess
    expect((await node.get(blobId)).toString()).toBe('two');
  });

  it('reports unhealthy when its directory is gone', async () => {
    // Prepare
    rmSync(dir, { recursive: true });

    // Act
    const health = await node.health();

    // Assess
    expect(health).toEqual({ id: 'node-1', healthy: false });
  });
});
