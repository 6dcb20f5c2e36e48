import type { Clock } from '../runtime/clock.js';

/** Clients remembered at most; past this, those whose bucket has refilled are forgotten. */
const MAX_CLIENTS = 10_000;

/** Decides, per client, whether one more request is admitted now. */
export interface RateLimiter {
  /** Takes one request's token for `client` (its address); false when over the limit. */
  admit(client: string): boolean;
}

export interface RateLimiterOptions {
  /** Requests per second per client, read on every request so a live change applies at once; 0: off. */
  limit: () => number;
  clock: Clock;
}

interface Bucket {
  tokens: number;
  atMs: number;
}

/**
 * The gateway's per-client rate limit (`gateway.rateLimit`): a token bucket per client address
 * holding at most one second of requests, refilled at the limit, so a client may burst up to the
 * limit and then keeps to it. Time comes from the injected clock.
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const buckets = new Map<string, Bucket>();
  let lastLimit = 0;
  return {
    admit(client) {
      const limit = options.limit();
      if (limit <= 0) {
        if (buckets.size > 0) buckets.clear();
        lastLimit = 0;
        return true;
      }
      // A new limit starts every client afresh, as if it had been in force all along.
      if (limit !== lastLimit) {
        buckets.clear();
        lastLimit = limit;
      }
      const now = options.clock.now().getTime();
      let bucket = buckets.get(client);
      if (bucket === undefined) {
        if (buckets.size >= MAX_CLIENTS) forgetRefilled(buckets, now, limit);
        bucket = { tokens: limit, atMs: now };
        buckets.set(client, bucket);
      } else {
        bucket.tokens = Math.min(limit, bucket.tokens + ((now - bucket.atMs) / 1000) * limit);
        bucket.atMs = now;
      }
      if (bucket.tokens < 1) return false;
      bucket.tokens -= 1;
      return true;
    },
  };
}

/** Drops the clients that would be back to a full bucket now: forgetting them changes nothing. */
function forgetRefilled(buckets: Map<string, Bucket>, now: number, limit: number): void {
  for (const [client, bucket] of buckets) {
    if (bucket.tokens + ((now - bucket.atMs) / 1000) * limit >= limit) buckets.delete(client);
  }
}
