/**
 * Payload bytes derived from the seed and the operation number: a pool of seeded random bytes,
 * filled once (AES-CTR keyed by the seeded generator), sliced at a seeded offset, with a small unique header in front. Every write differs
 * (the header names the seed and the operation), and making one costs a copy, not a generator run.
 */
import { createCipheriv } from 'node:crypto';
import type { RandomSource } from './seeded-random.js';
import type { SizeRange } from './types.js';

/** The pool is this much larger than one object (up to its cap), so offsets vary. */
const POOL_SLACK = 64 * 1024;
/** Larger objects repeat the pool: its size is bounded whatever `--size` says. */
const POOL_CAP = 4 * 1024 * 1024;

export class PayloadSource {
  private readonly pool: Buffer;

  constructor(
    private readonly seed: number,
    private readonly size: SizeRange,
    random: RandomSource,
  ) {
    // AES-CTR over zeros, keyed by four draws: megabytes of seeded bytes at native speed (a draw
    // per four bytes took 100 ms for a 64 KiB pool on a loaded machine, before the first request).
    const key = Buffer.alloc(16);
    for (let word = 0; word < 4; word++)
      key.writeUInt32LE(Math.floor(random.next() * 0x1_0000_0000), word * 4);
    const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
    this.pool = cipher.update(Buffer.alloc(Math.min(size.max, POOL_CAP) + POOL_SLACK));
  }

  /** A size for one object, from one draw: uniform in [min, max]. */
  sizeFor(draw: number): number {
    const { min, max } = this.size;
    return min + Math.min(max - min, Math.floor(draw * (max - min + 1)));
  }

  /** The bytes of operation `operation`: `bytes` long, sliced from the pool at the offset `draw` picks. */
  payload(operation: number, bytes: number, draw: number): Buffer {
    const body = Buffer.allocUnsafe(bytes);
    let offset = Math.min(POOL_SLACK - 1, Math.floor(draw * POOL_SLACK));
    for (let written = 0; written < bytes; ) {
      const copied = this.pool.copy(
        body,
        written,
        offset,
        Math.min(this.pool.length, offset + bytes - written),
      );
      written += copied;
      offset = 0;
    }
    body.write(`mock-s3-load seed=${this.seed} op=${operation}\n`, 0, 'latin1');
    return body;
  }
}
