/**
 * The final check's reads (DRILLS.md `integrity`): after recovery, GET every key the run touched
 * (the SHA-256 of the bytes, or null for a 404) and list the whole prefix to its end. The checker
 * judges only these bytes and this listing, never what the server says about itself.
 */
import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { ListAnswer, S3LoadClient } from '../../load/types.js';
import type { ReadBack } from '../types.js';

export interface ReadBackOptions {
  /** GETs in flight at once. */
  readonly concurrency?: number;
  /** The whole read-back (GETs and listing): keys not read by then are unverifiable. */
  readonly deadlineMs?: number;
  /** Waits before each new try of a GET that failed (not a 404); its length is the number of retries. */
  readonly retryDelaysMs?: readonly number[];
  /** A listing longer than this many pages is cut (and marked incomplete). */
  readonly maxListPages?: number;
  readonly now?: () => number;
  /**
   * The bucket's origin (a drill's `origin:`): what it holds under the prefix is readable through
   * the bucket, and ListObjects does not read through, so its listing counts as the bucket's.
   */
  readonly originBucket?: string;
}

type ObjectState = ReadBack['objects'] extends ReadonlyMap<string, infer V> ? V : never;

const sha256Hex = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

const OUT_OF_TIME = 'the read-back ran out of time';

/** `request`'s answer, or `late` once `remainingMs` has passed (a hung request cannot hang the check). */
async function beforeDeadline<T>(request: Promise<T>, remainingMs: number, late: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(late), Math.max(0, remainingMs));
  });
  try {
    return await Promise.race([request, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function readObject(client: S3LoadClient, bucket: string, key: string): Promise<ObjectState> {
  const answer = await client.getObject(bucket, key);
  const requestId = answer.requestIds.at(-1);
  const id = requestId === undefined ? {} : { requestId };
  if (answer.ok && answer.body !== undefined) return { sha256: sha256Hex(answer.body), ...id };
  if (answer.status === 404 && (answer.errorCode === undefined || answer.errorCode === 'NoSuchKey')) {
    return { sha256: null, ...id };
  }
  const cause = answer.errorCode ?? (answer.status === undefined ? 'no answer' : `HTTP ${answer.status}`);
  if (answer.status === undefined) return { sha256: null, error: cause, ...id };
  return { sha256: null, error: `${answer.status} ${cause}`, status: answer.status, ...id };
}

/**
 * Reads a key, trying again after each of `retryDelaysMs` while the read fails (not a 404): a
 * failure the checker may judge must not be a passing one.
 */
async function readObjectPatiently(
  client: S3LoadClient,
  bucket: string,
  key: string,
  retryDelaysMs: readonly number[],
  remainingMs: () => number,
): Promise<ObjectState> {
  let state = await readObject(client, bucket, key);
  for (const delayMs of retryDelaysMs) {
    if (state.error === undefined || remainingMs() <= delayMs) return state;
    await delay(delayMs);
    state = await readObject(client, bucket, key);
  }
  return state;
}

async function listPrefix(
  client: S3LoadClient,
  bucket: string,
  prefix: string,
  remainingMs: () => number,
  maxPages: number,
): Promise<Pick<ReadBack, 'listed' | 'listingRequestIds' | 'listingError'>> {
  const listed = new Set<string>();
  const listingRequestIds: string[] = [];
  let token: string | undefined;
  for (let page = 0; page < maxPages; page += 1) {
    const late: ListAnswer = { ok: false, errorCode: OUT_OF_TIME, keys: [], requestIds: [], attempts: 0 };
    const answer =
      remainingMs() <= 0
        ? late
        : await beforeDeadline(client.listObjects(bucket, prefix, token), remainingMs(), late);
    listingRequestIds.push(...answer.requestIds);
    if (!answer.ok) {
      const cause = answer.errorCode ?? (answer.status === undefined ? 'no answer' : `HTTP ${answer.status}`);
      return { listed, listingRequestIds, listingError: `page ${page + 1}: ${cause}` };
    }
    for (const key of answer.keys) listed.add(key);
    if (answer.nextContinuationToken === undefined) return { listed, listingRequestIds };
    token = answer.nextContinuationToken;
  }
  return { listed, listingRequestIds, listingError: `more than ${maxPages} pages` };
}

/**
 * Reads back `keys` (GETs, `concurrency` at a time) and lists everything under `prefix`. Never
 * throws for an S3 or network error: a key whose GET failed carries `error` (unverifiable), a
 * listing that could not finish carries `listingError` (gaps are then not judged).
 */
export async function readBack(
  client: S3LoadClient,
  bucket: string,
  prefix: string,
  keys: readonly string[],
  options: ReadBackOptions = {},
): Promise<ReadBack> {
  const {
    concurrency = 16,
    deadlineMs = 120_000,
    retryDelaysMs = [250, 1000],
    maxListPages = 10_000,
    now = Date.now,
  } = options;
  const deadline = now() + deadlineMs;
  const remainingMs = () => deadline - now();
  const late: ObjectState = { sha256: null, error: OUT_OF_TIME };
  const objects = new Map<string, ObjectState>();
  const unique = [...new Set(keys)];
  let next = 0;
  const worker = async () => {
    while (next < unique.length) {
      const key = unique[next]!;
      next += 1;
      objects.set(
        key,
        remainingMs() <= 0
          ? late
          : await beforeDeadline(
              readObjectPatiently(client, bucket, key, retryDelaysMs, remainingMs),
              remainingMs(),
              late,
            ),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, unique.length) }, worker));
  let listing = await listPrefix(client, bucket, prefix, remainingMs, maxListPages);
  if (options.originBucket !== undefined) {
    const atOrigin = await listPrefix(client, options.originBucket, prefix, remainingMs, maxListPages);
    // Only the keys read back: the origin holds seeded keys the load never touched.
    const readBackKeys = new Set(unique);
    listing = {
      listed: new Set([...listing.listed, ...[...atOrigin.listed].filter((key) => readBackKeys.has(key))]),
      listingRequestIds: [...listing.listingRequestIds, ...atOrigin.listingRequestIds],
      ...(listing.listingError === undefined && atOrigin.listingError === undefined
        ? {}
        : { listingError: listing.listingError ?? `the origin's listing, ${atOrigin.listingError}` }),
    };
  }
  // Keep the order of `keys` (the report lists them as the run touched them).
  const ordered = new Map(unique.map((key) => [key, objects.get(key)!]));
  return { objects: ordered, ...listing };
}
