import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { newBlobId } from '../../shared/storage/blob-id.js';
import {
  BlobCorruptError,
  BlobMissingError,
  BlobSourceSizeError,
  type DamageMode,
  type StorageNode,
} from '../../shared/storage/ports.js';
import { failingSource, readAll, sourceOf } from './blob-streams.js';

/** One node under test, with what the contract needs to look past its port. */
export interface NodeStreamSubject {
  node: StorageNode;
  /** Damages the stored replica as bit rot would. */
  damage(blobId: string, mode: DamageMode): Promise<void>;
  /** Files a failed write could leave behind (temp files); empty for a node that has none. */
  leftovers(): string[];
  close(): Promise<void>;
}

/** The behaviour of `putStream`/`getStream` every StorageNode adapter must show. */
export function describeNodeStreamContract(
  adapterName: string,
  open: () => Promise<NodeStreamSubject>,
): void {
  describe(`StorageNode streams: ${adapterName}`, () => {
    let subject: NodeStreamSubject;
    beforeEach(async () => {
      subject = await open();
    });
    afterEach(async () => {
      await subject.close();
    });

    const content = Buffer.from(Array.from({ length: 300 * 1024 }, (_, i) => (i * 31 + 7) % 251));

    it('writes a blob as its chunks arrive and streams it back whole', async () => {
      // Prepare
      const blobId = newBlobId();

      // Act
      await subject.node.putStream(blobId, sourceOf(content, { chunkSize: 7000 }));
      const read = await readAll(await subject.node.getStream(blobId));

      // Assess
      expect(read.equals(content)).toBe(true);
      expect((await subject.node.get(blobId)).equals(content)).toBe(true);
      expect((await subject.node.stat(blobId))?.size).toBe(content.length);
      expect(subject.leftovers()).toEqual([]);
    });

    it('streams an inclusive byte range of the content', async () => {
      // Prepare
      const blobId = newBlobId();
      await subject.node.putStream(blobId, sourceOf(content));

      // Act
      const middle = await readAll(await subject.node.getStream(blobId, { start: 1000, end: 200_000 }));
      const first = await readAll(await subject.node.getStream(blobId, { start: 0, end: 0 }));
      const last = await readAll(
        await subject.node.getStream(blobId, { start: content.length - 1, end: content.length - 1 }),
      );

      // Assess
      expect(middle.equals(content.subarray(1000, 200_001))).toBe(true);
      expect(first.equals(content.subarray(0, 1))).toBe(true);
      expect(last.equals(content.subarray(-1))).toBe(true);
    });

    it('reads a blob written by put as a stream, and a streamed one by get', async () => {
      // Prepare
      const written = newBlobId();
      const streamed = newBlobId();

      // Act
      await subject.node.put(written, content);
      await subject.node.putStream(streamed, sourceOf(content));

      // Assess
      expect((await readAll(await subject.node.getStream(written))).equals(content)).toBe(true);
      expect((await subject.node.get(streamed)).equals(content)).toBe(true);
    });

    it('stores and streams an empty blob', async () => {
      // Prepare
      const blobId = newBlobId();

      // Act
      await subject.node.putStream(blobId, sourceOf(Buffer.alloc(0)));

      // Assess
      expect((await readAll(await subject.node.getStream(blobId))).length).toBe(0);
      expect((await subject.node.stat(blobId))?.size).toBe(0);
    });

    it('rejects a source that ends short of its size, storing nothing', async () => {
      // Prepare
      const blobId = newBlobId();

      // Act
      const write = subject.node.putStream(blobId, sourceOf(content, { size: content.length + 1 }));

      // Assess
      await expect(write).rejects.toBeInstanceOf(BlobSourceSizeError);
      expect(await subject.node.stat(blobId)).toBeUndefined();
      expect(subject.leftovers()).toEqual([]);
    });

    it('rejects a source that runs past its size, storing nothing', async () => {
      // Prepare
      const blobId = newBlobId();

      // Act
      const write = subject.node.putStream(blobId, sourceOf(content, { size: content.length - 1 }));

      // Assess
      await expect(write).rejects.toBeInstanceOf(BlobSourceSizeError);
      expect(await subject.node.stat(blobId)).toBeUndefined();
      expect(subject.leftovers()).toEqual([]);
    });

    it('rejects a source that fails mid-way, storing nothing and leaving no temp file', async () => {
      // Prepare
      const blobId = newBlobId();
      const broken = new Error('connection reset by peer');

      // Act
      const write = subject.node.putStream(blobId, failingSource(1024 * 1024, 200 * 1024, broken));

      // Assess
      await expect(write).rejects.toThrow();
      expect(await subject.node.stat(blobId)).toBeUndefined();
      expect(subject.leftovers()).toEqual([]);
    });

    it('keeps the previous replica when an overwrite fails mid-way', async () => {
      // Prepare
      const blobId = newBlobId();
      await subject.node.putStream(blobId, sourceOf(content));

      // Act
      const write = subject.node.putStream(
        blobId,
        failingSource(1024 * 1024, 200 * 1024, new Error('reset')),
      );

      // Assess
      await expect(write).rejects.toThrow();
      expect((await readAll(await subject.node.getStream(blobId))).equals(content)).toBe(true);
    });

    it('rejects the opening of a missing blob with BlobMissingError', async () => {
      // Act
      const read = subject.node.getStream(newBlobId());

      // Assess
      await expect(read).rejects.toBeInstanceOf(BlobMissingError);
    });

    it.each(['bitflip', 'zero', 'truncate'] as const)(
      'rejects the opening of a small replica damaged by %s with BlobCorruptError, before any byte',
      async (mode) => {
        // Prepare
        const blobId = newBlobId();
        await subject.node.putStream(blobId, sourceOf(content.subarray(0, 10_000)));
        await subject.damage(blobId, mode);

        // Act
        const read = subject.node.getStream(blobId);

        // Assess
        await expect(read).rejects.toBeInstanceOf(BlobCorruptError);
      },
    );

    it('rejects a range outside the content with RangeError', async () => {
      // Prepare
      const blobId = newBlobId();
      await subject.node.putStream(blobId, sourceOf(content.subarray(0, 100)));

      // Act
      const read = subject.node.getStream(blobId, { start: 50, end: 100 });

      // Assess
      await expect(read).rejects.toBeInstanceOf(RangeError);
    });
  });
}
