/**
 * The origin suite's workload (`npm run bench -- --suite origin`): 1 KiB objects written to the
 * origin (and to a plain local bucket), the GETs of each phase, a count-bounded run for cold misses
 * (each key is a miss once only), and the origin's own count of the GETs it served.
 */
import { performance } from 'node:perf_hooks';
import { type Endpoint, type S3Request, sendS3Request } from '../client/s3-request.js';
import { loopbackOrigin } from '../faults/control-client.js';

export const OBJECT_BYTES = 1024;
/** The bucket of the origin server that holds every object. */
export const ORIGIN_BUCKET = 'bench-origin';
/** A plain bucket of the target: the local GET the read-through bucket is compared with. */
export const LOCAL_BUCKET = 'bench-local';
/** The origin kinds measured: `s3` through the AWS SDK, `http` a plain `GET {endpoint}/{key}`. */
export const ORIGIN_KINDS = ['s3', 'http'] as const;
export type BenchOriginKind = (typeof ORIGIN_KINDS)[number];

/** The target's bucket that reads through to {@link ORIGIN_BUCKET} with an origin of `kind`. */
export const throughBucket = (kind: BenchOriginKind): string =>
  kind === 's3' ? 'bench-through' : 'bench-through-http';

const BODY = Buffer.alloc(OBJECT_BYTES, 'o');

/** The keys fetched once before the warm phases (`warm/k<i>`), and each round's cold keys. */
export const warmKey = (index: number): string => `warm/k${index}`;
export const coldKey = (round: number, kind: BenchOriginKind, index: number): string =>
  `cold-${round}-${kind}/k${index}`;

export function getRequest(bucket: string, key: string, headers: Record<string, string>): S3Request {
  return { method: 'GET', path: `/${bucket}/${key}`, headers, expectedBytes: OBJECT_BYTES };
}

export function putRequest(bucket: string, key: string, headers: Record<string, string>): S3Request {
  return {
    method: 'PUT',
    path: `/${bucket}/${key}`,
    headers: { ...headers, 'content-type': 'application/octet-stream', 'content-length': OBJECT_BYTES },
    body: BODY,
  };
}

/** Creates `bucket` and PUTs 1 KiB under each key, `concurrency` at a time; any failure throws. */
export async function writeObjects(
  endpoint: Endpoint,
  headers: Record<string, string>,
  bucket: string,
  keys: readonly string[],
  concurrency: number,
): Promise<void> {
  await sendS3Request(endpoint, {
    method: 'PUT',
    path: `/${bucket}`,
    headers: { ...headers, 'content-length': 0 },
  });
  await inParallel(keys, concurrency, (key) => sendS3Request(endpoint, putRequest(bucket, key, headers)));
}

/** What a count-bounded run measured. */
export interface CountRun {
  readonly completed: number;
  readonly errors: number;
  readonly elapsedMs: number;
  readonly latenciesMs: number[];
  readonly firstError?: string;
}

/**
 * Sends each request once, `concurrency` at a time, and times the whole: a cold miss happens once
 * per key, so the run is bounded by the keys, not by the clock.
 */
export async function runEach(
  endpoint: Endpoint,
  requests: readonly S3Request[],
  concurrency: number,
): Promise<CountRun> {
  const latenciesMs: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const startedAt = performance.now();
  await inParallel(requests, concurrency, async (request) => {
    const sentAt = performance.now();
    try {
      await sendS3Request(endpoint, request);
      latenciesMs.push(performance.now() - sentAt);
    } catch (error) {
      errors += 1;
      firstError ??= error instanceof Error ? error.message : String(error);
    }
  });
  return {
    completed: latenciesMs.length,
    errors,
    elapsedMs: performance.now() - startedAt,
    latenciesMs,
    ...(firstError === undefined ? {} : { firstError }),
  };
}

async function inParallel<T>(
  items: readonly T[],
  concurrency: number,
  act: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await act(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}

/**
 * GetObject requests the server at `adminUrl` has answered (`http_requests_total` of the s3-api
 * service, every status): the origin's own say of how often it was asked.
 */
export async function servedGets(adminUrl: string): Promise<number> {
  const response = await fetch(`${loopbackOrigin(adminUrl)}/metrics`, { signal: AbortSignal.timeout(5_000) });
  const text = await response.text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('http_requests_total{')) continue;
    if (!line.includes('operation="GetObject"') || !line.includes('service="s3-api"')) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/**
 * Gives the target's bucket for `kind` its origin (`PUT /api/v1/origins/{bucket}`): no rate limit
 * (the benchmark measures the origin, not the limiter), write-back on. The `http` origin is the
 * same bucket as a plain URL prefix (the origin server asks for no signature).
 */
export async function attachOrigin(
  targetAdminUrl: string,
  kind: BenchOriginKind,
  originBaseUrl: string,
): Promise<void> {
  const bucket = throughBucket(kind);
  const endpoint = loopbackOrigin(originBaseUrl);
  const where =
    kind === 's3'
      ? {
          endpoint,
          bucket: ORIGIN_BUCKET,
          kind,
          credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
        }
      : { endpoint: `${endpoint}/${ORIGIN_BUCKET}`, kind };
  const response = await fetch(`${loopbackOrigin(targetAdminUrl)}/api/v1/origins/${bucket}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...where, writeBack: true, rps: 0, timeoutMs: 10_000 }),
    signal: AbortSignal.timeout(10_000),
  });
  if (response.status !== 200 && response.status !== 201) {
    throw new Error(
      `PUT /api/v1/origins/${bucket}: HTTP ${response.status} ${(await response.text()).slice(0, 300)}`,
    );
  }
}
