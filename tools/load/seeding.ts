/**
 * Objects written before a load starts, under the load's own key names (`<keyPrefix>k<index>`), so
 * the load believes them to exist and reads them: a drill seeds its origin with them, and its reads
 * of them miss locally. Bytes are a function of the seed, as the load's own payloads are.
 */
import { sha256Hex } from './history.js';
import { PayloadSource } from './payloads.js';
import { SeededRandom } from './seeded-random.js';
import type { S3LoadClient, SeededObject, SizeRange } from './types.js';

/** Seeded bytes must not be those of the load's own writes: a stream of their own. */
const SEED_STREAM_OFFSET = 0x5eed;

export interface SeedSpec {
  readonly bucket: string;
  readonly keyPrefix: string;
  /** Keys `0 .. count-1`. */
  readonly count: number;
  readonly size: SizeRange;
  readonly seed: number;
  /** PUTs in flight at once. */
  readonly concurrency?: number;
}

/**
 * PUTs `count` objects into `spec.bucket`; resolves with them, or rejects at the first PUT that is
 * not acknowledged (with its status and code): a seed the load cannot rely on is no seed.
 */
export async function seedObjects(client: S3LoadClient, spec: SeedSpec): Promise<SeededObject[]> {
  const random = new SeededRandom(spec.seed + SEED_STREAM_OFFSET);
  const payloads = new PayloadSource(spec.seed + SEED_STREAM_OFFSET, spec.size, random);
  // Sizes and offsets drawn in key order before any PUT: the same seed gives the same bytes per key.
  const plans = Array.from({ length: spec.count }, (_, index) => ({
    index,
    body: payloads.payload(index, payloads.sizeFor(random.next()), random.next()),
  }));
  const seeded: SeededObject[] = new Array(spec.count);
  let next = 0;
  let failure: Error | undefined;
  const worker = async (): Promise<void> => {
    // The first refusal stops every worker: no PUT starts after it.
    while (next < plans.length && failure === undefined) {
      const { index, body } = plans[next++]!;
      const key = `${spec.keyPrefix}k${index}`;
      const answer = await client.putObject(spec.bucket, key, body);
      if (!answer.ok) {
        failure ??= new Error(
          `seeding ${spec.bucket}/${key}: PutObject answered ${answer.status ?? 'nothing'} ${answer.errorCode ?? ''}`.trim(),
        );
        return;
      }
      seeded[index] = {
        index,
        sha256: sha256Hex(body),
        ...(answer.etag === undefined ? {} : { etag: answer.etag }),
        requestIds: answer.requestIds,
      };
    }
  };
  const workers = Math.max(1, Math.min(spec.concurrency ?? 16, plans.length));
  await Promise.all(Array.from({ length: workers }, worker));
  if (failure !== undefined) throw failure;
  return seeded;
}
