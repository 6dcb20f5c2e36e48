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
  /**
   * Files a failed write left behind (temp files); empty for a node that has none. A worker cleans
   * up after its caller has seen the failure, so this may wait (bounded) for the files to go.
   */
  leftovers(): Promise<string[]>;
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
      expect(await subject.leftovers()).toEqual([]);
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
      expect(await subject.leftovers()).toEqual([]);
    });

    it('rejects a source that runs past its size, storing nothing', async () => {
      // Prepare
      const blobId = newBlobId();

      // Act
      const write = subject.node.putStream(blobId, sourceOf(content, { size: content.length - 1 }));

      // Assess
      await expect(write).rejects.toBeInstanceOf(BlobSourceSizeError);
      expect(await subject.node.stat(blobId)).toBeUndefined();
      expect(await subject.leftovers()).toEqual([]);
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
      expect(await subject.leftovers()).toEqual([]);
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

    describe('a replica of several checksummed blocks', () => {
      const blockSize = 1024 * 1024;
      // Three and a half blocks: the middle, where `damage` lands, is in block 1.
      const large = Buffer.alloc(3.5 * blockSize);
      for (let i = 0; i < large.length; i += 4) large.writeUInt32LE((i * 2654435761) >>> 0, i);

      it('streams it whole and by ranges across block edges', async () => {
        // Prepare
        const blobId = newBlobId();
        await subject.node.putStream(blobId, sourceOf(large, { chunkSize: 100_000 }));

        // Act
        const whole = await readAll(await subject.node.getStream(blobId));
        const across = await readAll(
          await subject.node.getStream(blobId, { start: blockSize - 10, end: 2 * blockSize + 10 }),
        );

        // Assess
        expect(whole.equals(large)).toBe(true);
        expect(across.equals(large.subarray(blockSize - 10, 2 * blockSize + 11))).toBe(true);
        expect((await subject.node.stat(blobId))?.size).toBe(large.length);
      });

      it('fails a range over a damaged block, and serves a range that avoids it', async () => {
        // Prepare
        const blobId = newBlobId();
        await subject.node.putStream(blobId, sourceOf(large));
        await subject.damage(blobId, 'bitflip');

        // Act
        const covering = await subject.node
          .getStream(blobId, { start: blockSize + 5, end: blockSize + 20 })
          .then(
            () => undefined,
            (error: unknown) => error,
          );
        const before = await readAll(await subject.node.getStream(blobId, { start: 0, end: blockSize - 1 }));
        const after = await readAll(
          await subject.node.getStream(blobId, { start: 2 * blockSize, end: large.length - 1 }),
        );

        // Assess
        expect(covering).toBeInstanceOf(BlobCorruptError);
        expect(before.equals(large.subarray(0, blockSize))).toBe(true);
        expect(after.equals(large.subarray(2 * blockSize))).toBe(true);
      });

      it('ends a whole stream with BlobCorruptError at the damaged block, after the good ones', async () => {
        // Prepare
        const blobId = newBlobId();
        await subject.node.putStream(blobId, sourceOf(large));
        await subject.damage(blobId, 'zero');
        const stream = await subject.node.getStream(blobId);
        let received = 0;

        // Act
        const reading = (async () => {
          for await (const chunk of stream) received += (chunk as Buffer).length;
        })();

        // Assess
        await expect(reading).rejects.toBeInstanceOf(BlobCorruptError);
        expect(received).toBe(blockSize);
      });

      it('rejects the opening of a truncated replica', async () => {
        // Prepare
        const blobId = newBlobId();
        await subject.node.putStream(blobId, sourceOf(large));
        await subject.damage(blobId, 'truncate');

        // Act
        const read = subject.node.getStream(blobId, { start: 0, end: 10 });

        // Assess
        await expect(read).rejects.toBeInstanceOf(BlobCorruptError);
      });

      it('reads it verified through get, and fails get once it is damaged', async () => {
        // Prepare
        const blobId = newBlobId();
        await subject.node.putStream(blobId, sourceOf(large));
        const read = await subject.node.get(blobId);
        await subject.damage(blobId, 'bitflip');

        // Act
        const damaged = subject.node.get(blobId);

        // Assess
        expect(read.equals(large)).toBe(true);
        await expect(damaged).rejects.toBeInstanceOf(BlobCorruptError);
      });
    });

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
