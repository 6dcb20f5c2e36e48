import { randomBytes } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/** One request of the load and how it ended. */
export interface LoadOutcome {
  op: 'put' | 'get';
  key: string;
  /** Start, ms since the load began. */
  at: number;
  ms: number;
  ok: boolean;
  /** HTTP status of a failure (undefined when no response came: reset, timeout). */
  status?: number;
  /** The S3 error code the SDK parsed (`ServiceUnavailable`, ...) or the client error's name. */
  code?: string;
  /** A GET answered 200 with other bytes than the acknowledged PUT wrote. */
  wrongBytes?: boolean;
}

export interface LoadOptions {
  client: S3Client;
  bucket: string;
  /** Concurrent request loops. */
  workers?: number;
  /** Hard bound on requests, whatever happens to `stop()`. */
  maxOps?: number;
  /** Object sizes, bytes (uniform in [min, max]). */
  minBytes?: number;
  maxBytes?: number;
  /** Share of GETs (of acknowledged keys) among the requests; the rest are PUTs of new keys. */
  getShare?: number;
  keyPrefix?: string;
}

/** A running load: PUTs of new keys and GETs of acknowledged ones, each outcome recorded. */
export interface Load {
  /** key -> the bytes of every PUT the service acknowledged (200). */
  readonly acknowledged: Map<string, Buffer>;
  /** key -> the bytes of every PUT sent, acknowledged or not (a PUT cut off may still have landed). */
  readonly attempted: Map<string, Buffer>;
  readonly outcomes: LoadOutcome[];
  /** Resolves once `count` more requests have finished (or the load ended). */
  progress(count: number): Promise<void>;
  /** Outcomes that started at or after `at` (ms since start): `sinceNow()` marks a phase. */
  since(at: number): LoadOutcome[];
  /** Ms since the load began. */
  now(): number;
  /** Ends the loops after their current request; resolves with every outcome. */
  stop(): Promise<LoadOutcome[]>;
}

function failureOf(error: unknown): { status?: number; code: string } {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  return { ...(status === undefined ? {} : { status }), code: e.name ?? String(error) };
}

/**
 * Starts a bounded load loop against one bucket. The client's own request timeout bounds each
 * request; the loop never retries, so every failure the service returned is in `outcomes`.
 */
export function startLoad(options: LoadOptions): Load {
  const { client, bucket } = options;
  const workers = options.workers ?? 4;
  const maxOps = options.maxOps ?? 20_000;
  const minBytes = options.minBytes ?? 1024;
  const maxBytes = options.maxBytes ?? 64 * 1024;
  const getShare = options.getShare ?? 0.5;
  const prefix = options.keyPrefix ?? 'load';
  const acknowledged = new Map<string, Buffer>();
  const attempted = new Map<string, Buffer>();
  const ackedKeys: string[] = [];
  const outcomes: LoadOutcome[] = [];
  const started = performance.now();
  const now = () => performance.now() - started;
  let stopped = false;
  let issued = 0;
  let sequence = 0;
  let waiters: { until: number; resolve: () => void }[] = [];

  function record(outcome: LoadOutcome): void {
    outcomes.push(outcome);
    waiters = waiters.filter((waiter) => {
      if (outcomes.length < waiter.until) return true;
      waiter.resolve();
      return false;
    });
  }

  async function put(): Promise<void> {
    const key = `${prefix}/${String(++sequence).padStart(6, '0')}`;
    const size = minBytes + Math.floor(Math.random() * (maxBytes - minBytes + 1));
    const body = randomBytes(size);
    attempted.set(key, body);
    const at = now();
    try {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
      acknowledged.set(key, body);
      ackedKeys.push(key);
      record({ op: 'put', key, at, ms: now() - at, ok: true });
    } catch (error) {
      record({ op: 'put', key, at, ms: now() - at, ok: false, ...failureOf(error) });
    }
  }

  async function get(key: string): Promise<void> {
    const at = now();
    try {
      const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
      const wrongBytes = !bytes.equals(acknowledged.get(key)!);
      record({ op: 'get', key, at, ms: now() - at, ok: !wrongBytes, ...(wrongBytes ? { wrongBytes } : {}) });
    } catch (error) {
      record({ op: 'get', key, at, ms: now() - at, ok: false, ...failureOf(error) });
    }
  }

  async function loop(): Promise<void> {
    while (!stopped && issued < maxOps) {
      issued += 1;
      if (ackedKeys.length > 0 && Math.random() < getShare) {
        await get(ackedKeys[Math.floor(Math.random() * ackedKeys.length)]!);
      } else {
        await put();
      }
    }
  }

  const running = Promise.all(Array.from({ length: workers }, loop)).then(() => {
    stopped = true;
    for (const waiter of waiters) waiter.resolve();
    waiters = [];
  });

  return {
    acknowledged,
    attempted,
    outcomes,
    now,
    since: (at) => outcomes.filter((outcome) => outcome.at >= at),
    progress: (count) =>
      stopped
        ? Promise.resolve()
        : new Promise((resolve) => waiters.push({ until: outcomes.length + count, resolve })),
    async stop() {
      stopped = true;
      await running;
      return outcomes;
    },
  };
}

/** Reads back every acknowledged object; resolves with the keys whose bytes differ or fail. */
export async function unreadable(
  client: S3Client,
  bucket: string,
  acknowledged: ReadonlyMap<string, Buffer>,
): Promise<{ key: string; reason: string }[]> {
  const bad: { key: string; reason: string }[] = [];
  const keys = [...acknowledged.keys()];
  const check = async (key: string) => {
    try {
      const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
      if (!bytes.equals(acknowledged.get(key)!)) bad.push({ key, reason: `${bytes.length} other bytes` });
    } catch (error) {
      const { status, code } = failureOf(error);
      bad.push({ key, reason: `${status ?? '-'} ${code}` });
    }
  };
  for (let i = 0; i < keys.length; i += 8) await Promise.all(keys.slice(i, i + 8).map(check));
  return bad;
}
