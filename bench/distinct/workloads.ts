/**
 * The distinct-key workloads: what applications do to an object store, as opposed to the hot set
 * of `bench/workload.ts` (200 keys cycled, everything cached). Every request is SigV4-signed.
 *
 * - `PUT new`: PutObject of 1 KiB to a key never written before; these keys are the GET set.
 * - `GET spread`: GetObject of 1 KiB, each key drawn uniformly from every key written so far
 *   (over 100,000 on the targets fast enough to write them), so caches sized below the key set miss.
 * - `LIST pages`: ListObjectsV2 of a 10,000-key prefix page by page (S3's 1,000 keys per page),
 *   following NextContinuationToken, each worker its own listing; one op is one page.
 * - `SDK PUT`: PutObject of 1 KiB to a new key through `@aws-sdk/client-s3` with default checksums
 *   (aws-chunked body, CRC32 trailer), the client most applications use.
 */
import { payloadSha256 } from '../client/sigv4.js';
import type { SdkDefaultPut } from './sdk-put.js';
import type { SignedS3Client } from './signed-client.js';

export const DISTINCT_BUCKET = 'bench-distinct';
export const OBJECT_BYTES = 1024;
/** The LIST workload's prefix, and how many keys it holds. */
export const LIST_PREFIX = 'list/';

export type DistinctWorkload = 'PUT new' | 'GET spread' | 'LIST pages' | 'SDK PUT';

/** One deterministic, non-zero 1 KiB body for every object, and its SHA-256 for the signature. */
export const OBJECT_BODY: Buffer = Buffer.from(Array.from({ length: OBJECT_BYTES }, (_, i) => (i % 251) + 1));
export const OBJECT_BODY_SHA256 = payloadSha256(OBJECT_BODY);

/** The n-th key of the LIST prefix (zero-padded, so the listing order is the numbering). */
export function listKey(n: number): string {
  return `${LIST_PREFIX}${String(n).padStart(6, '0')}`;
}

/** The n-th new key of a PUT round (`put` for the raw client, `sdk` for the SDK's). */
export function newKey(kind: 'put' | 'sdk', round: number, n: number): string {
  return `${kind}/r${round}/${String(n).padStart(7, '0')}`;
}

/** A target's clients and the keys it holds; `keys` only grows, by successful PUTs of new keys. */
export interface TargetState {
  readonly client: SignedS3Client;
  readonly sdk: SdkDefaultPut;
  readonly keys: string[];
}

/** A seeded uniform draw (xorshift32), so every target reads the same sequence of key indexes. */
export function uniformIndexes(seed: number): (bound: number) => number {
  let state = seed >>> 0 || 1;
  return (bound) => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state % bound;
  };
}

/** PUT of new keys; each success joins the key set the GETs read. */
export function putNewOperation(state: TargetState, round: number): (n: number) => Promise<void> {
  return async (n) => {
    const key = newKey('put', round, n);
    await state.client.putObject(key, OBJECT_BODY, OBJECT_BODY_SHA256);
    state.keys.push(key);
  };
}

/** GET of keys drawn uniformly over the whole key set. */
export function getSpreadOperation(state: TargetState, seed: number): (n: number) => Promise<void> {
  const next = uniformIndexes(seed);
  return async () => {
    await state.client.getObject(state.keys[next(state.keys.length)]!, OBJECT_BYTES);
  };
}

/**
 * One page of a listing per call. There are as many cursors as workers (each worker has one call in
 * flight), so a free one always exists; a listing that ends checks that it saw every key.
 */
export function listPagesOperation(
  state: TargetState,
  concurrency: number,
  expectedKeys: number,
): (n: number) => Promise<void> {
  interface Cursor {
    token?: string;
    seen: number;
  }
  const free: Cursor[] = Array.from({ length: concurrency }, () => ({ seen: 0 }));
  return async () => {
    const cursor = free.pop() ?? { seen: 0 };
    try {
      const page = await state.client.listPage(LIST_PREFIX, cursor.token);
      cursor.seen += page.keyCount;
      cursor.token = page.nextContinuationToken;
      if (cursor.token === undefined) {
        const seen = cursor.seen;
        cursor.seen = 0;
        if (seen !== expectedKeys)
          throw new Error(`LIST ${LIST_PREFIX}: ${seen} keys, expected ${expectedKeys}`);
      }
    } catch (error) {
      cursor.token = undefined;
      cursor.seen = 0;
      throw error;
    } finally {
      free.push(cursor);
    }
  };
}

/** The SDK's default PutObject of new keys (not added to the GET set: the GET rounds run after). */
export function sdkPutOperation(state: TargetState, round: number): (n: number) => Promise<void> {
  return (n) => state.sdk.putObject(newKey('sdk', round, n), OBJECT_BODY);
}

/** Reads `key` back and compares every byte (the load loop checks only lengths). */
export async function verifyStored(state: TargetState, key: string): Promise<void> {
  const body = await state.client.getObject(key, OBJECT_BYTES);
  if (!body.equals(OBJECT_BODY)) throw new Error(`GET ${key}: the bytes differ from what was PUT`);
}
