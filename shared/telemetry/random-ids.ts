import { randomFillSync } from 'node:crypto';

/** Random bytes drawn from the CSPRNG at once, then handed out in slices: one call per ~128 ids. */
const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let poolOffset = POOL_SIZE;

/**
 * `size` fresh bytes from the CSPRNG, as a view the caller must consume at once (encode it, copy
 * it). A request id per request made with `randomBytes` costs a CSPRNG call each; this costs one
 * per pool.
 */
function randomSlice(size: number): Buffer {
  if (size > POOL_SIZE) throw new RangeError(`at most ${POOL_SIZE} random bytes at once`);
  if (poolOffset + size > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const slice = pool.subarray(poolOffset, poolOffset + size);
  poolOffset += size;
  return slice;
}

/** An S3-style request id: `bytes` random bytes as upper-case hex. */
export function randomRequestId(bytes = 8): string {
  return randomSlice(bytes).toString('hex').toUpperCase();
}

/** `bytes` random bytes in base64 (an S3 host id, `x-amz-id-2`). */
export function randomBase64(bytes: number): string {
  return randomSlice(bytes).toString('base64');
}
