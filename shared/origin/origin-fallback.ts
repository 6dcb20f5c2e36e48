import { setTimeout as delay } from 'node:timers/promises';
import { type Span, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE, ATTR_HTTP_RESPONSE_STATUS_CODE } from '@opentelemetry/semantic-conventions';
import type { FaultEngine } from '../faults/engine.js';
import { withOriginFaults } from '../injection/origin-faults.js';
import type { ObjectRecord, VersioningStatus } from '../metadata/ports.js';
import { writtenAttributes } from '../operations/object-attributes.js';
import { readObjectBytes } from '../operations/read-object.js';
import { newVersionId } from '../operations/versions.js';
import type { Clock } from '../runtime/clock.js';
import type { S3Services } from '../runtime/runtime.js';
import { md5Hex } from '../s3/checksums.js';
import { S3Error } from '../s3/errors.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import { createOriginMetrics, type OriginMetrics } from '../telemetry/origin-metrics.js';
import { originFetchSpanAttributes } from '../telemetry/span-attributes.js';
import { createOriginClient } from './create-origin-client.js';
import { createNegativeCache, type NegativeCache } from './negative-cache.js';
import { createOriginGovernor, type OriginGovernor } from './origin-governor.js';
import { verifyOriginObject } from './origin-integrity.js';
import { breakerOpen, notFound, type OriginResult, originFailure, rateLimited } from './origin-outcome.js';
import type {
  FetchedObject,
  FetchLease,
  OriginAnswer,
  OriginClient,
  OriginConfig,
  OriginDirectory,
  OriginFallback,
  OriginObject,
  OriginStatus,
} from './ports.js';
import { createSingleFlight } from './single-flight.js';
import { writeBack } from './write-back.js';

export interface OriginFallbackDeps {
  directory: OriginDirectory;
  /** The S3 ports (without `origin`): the write-back stores through them, the lease waiters read. */
  services: S3Services;
  faults: FaultEngine;
  lease: FetchLease;
  clock: Clock;
  metrics: Metrics;
  /** The storage service's tracer: the `origin GET` CLIENT span of each fetch. */
  tracer: Tracer;
  logger: Logger;
  /** The client of a bucket's origin; default: the kind's client wearing the `origin.fetch.*` points. */
  clientFor?: (config: OriginConfig) => OriginClient;
}

/** How often a process that did not get the fetch lease looks for the holder's write-back. */
const LEASE_POLL_MS = 25;
/** A lease outlives the fetch by this much: the holder keeps it through the write-back. */
const LEASE_WRITE_BACK_MS = 10_000;

/** One bucket's origin in this process: its client, governance, negative cache and counters. */
interface OriginState {
  config: OriginConfig;
  client: OriginClient;
  governor: OriginGovernor;
  negative: NegativeCache;
  fetches: number;
  failures: number;
  lastError?: string;
}

/**
 * The read-through of local misses (docs/origin.md). Per key, one fetch at a time in this process
 * (single-flight) and across processes (the fetch lease); per bucket, a negative cache of origin
 * 404s, a token-bucket limit and a circuit breaker, all started afresh when the bucket's config
 * changes. A fetched object is verified (MD5 ETag, full-object checksum) before it is served, then
 * written back with the condition `absent` while the request is answered; the flight (and the
 * lease) is held until that write-back is done, so a read meanwhile joins it instead of fetching.
 */
export function createOriginFallback(deps: OriginFallbackDeps): OriginFallback {
  const logger = deps.logger.child({ component: 'origin' });
  const metrics: OriginMetrics = createOriginMetrics(deps.metrics.registry);
  const clientFor =
    deps.clientFor ??
    ((config: OriginConfig) =>
      withOriginFaults(createOriginClient(config), deps.faults, {
        bucket: config.bucket,
        clock: deps.clock,
      }));
  const states = new Map<string, OriginState>();
  const flights = createSingleFlight<FetchedObject>();
  metrics.breakersFrom(() => [...states].map(([bucket, state]) => [bucket, state.governor.state()] as const));

  const unsubscribe = deps.directory.onChange((bucket) => {
    // A new config starts afresh: new client, limiter, breaker and negative cache.
    const state = states.get(bucket);
    if (state === undefined) return;
    states.delete(bucket);
    state.client.close();
  });

  function stateOf(config: OriginConfig): OriginState {
    const known = states.get(config.bucket);
    if (known) return known;
    const state: OriginState = {
      config,
      client: clientFor(config),
      governor: createOriginGovernor(config, { clock: deps.clock }),
      negative: createNegativeCache({ clock: deps.clock }),
      fetches: 0,
      failures: 0,
    };
    states.set(config.bucket, state);
    return state;
  }

  async function fetchMissing(bucket: string, key: string): Promise<FetchedObject | undefined> {
    const config = deps.directory.originFor(bucket);
    if (config === undefined) return undefined;
    const state = stateOf(config);
    metrics.read(bucket, 'origin');
    if (state.negative.has(key)) {
      metrics.request(bucket, 'negative_cached');
      throw notFound(state.config, key);
    }
    const { served } = flights.join(`${bucket}\u0000${key}`, () => startFlight(state, key));
    return served;
  }

  /** Starts the one fetch of `key`: served once verified; settled once written back. */
  function startFlight(state: OriginState, key: string) {
    let settle: () => void = () => undefined;
    const settled = new Promise<void>((resolve) => {
      settle = resolve;
    });
    const { config } = state;
    const leaseId = `${config.bucket}/${key}`;
    const served = (async (): Promise<FetchedObject> => {
      let holdsLease = false;
      let writingBack = false;
      try {
        holdsLease = await takeLeaseOrWait(state, key, leaseId);
        if (!holdsLease) {
          const local = await readLocal(config.bucket, key);
          if (local) return local;
        }
        const { fetched, versioning } = await asLocalWrite(await fetchThroughGovernor(state, key));
        if (config.writeBack) {
          // Served now; the flight and the lease stay until the write-back is done (or lost).
          writingBack = true;
          const releaseLease = holdsLease;
          holdsLease = false;
          void writeBack(deps.services, fetched.object, fetched.body, versioning)
            .then(({ result }) => {
              metrics.writeBack(config.bucket, result, fetched.body.length);
              if (result === 'lost_race') {
                logger.info('origin write-back lost to a client write', { bucket: config.bucket, key });
              }
            })
            .finally(() => {
              if (releaseLease) void deps.lease.release(leaseId).catch(() => undefined);
              settle();
            });
        }
        return fetched;
      } finally {
        if (holdsLease) void deps.lease.release(leaseId).catch(() => undefined);
        if (!writingBack) settle();
      }
    })();
    return { served, settled };
  }

  /**
   * True once this process holds the fetch lease of `key`. While another process holds it, waits
   * (bounded by the origin's `timeoutMs`) for its write-back to appear locally, then answers false
   * so the caller serves the local copy; past the bound the read is a 503. A lease granted is
   * checked against the local store once more: the holder before may have written the object back
   * and released between this read's local miss and its request (a second origin GET otherwise).
   */
  async function takeLeaseOrWait(state: OriginState, key: string, leaseId: string): Promise<boolean> {
    const ttlMs = state.config.timeoutMs + LEASE_WRITE_BACK_MS;
    const deadline = Date.now() + state.config.timeoutMs;
    for (;;) {
      if (await deps.lease.acquire(leaseId, ttlMs)) {
        if (!(await localObject(state.config.bucket, key))) return true;
        await deps.lease.release(leaseId).catch(() => undefined);
        return false;
      }
      if (await localObject(state.config.bucket, key)) return false;
      if (Date.now() >= deadline) {
        metrics.request(state.config.bucket, 'timeout');
        throw new S3Error('ServiceUnavailable', {
          message: `Another instance is fetching this key from the origin of bucket ${state.config.bucket} and did not finish within ${state.config.timeoutMs} ms.`,
          resource: `/${state.config.bucket}/${key}`,
        });
      }
      await delay(LEASE_POLL_MS);
    }
  }

  /**
   * The fetched object as a write into its local bucket, as a PUT without attribute headers would
   * be: the bucket's default encryption, and with versioning Enabled a version id of its own
   * (served in `x-amz-version-id` now, stored by the write-back); in a suspended or never-versioned
   * bucket it is the null version. The bucket record is the cached one the request's local lookup
   * just read.
   */
  async function asLocalWrite(
    fetched: FetchedObject,
  ): Promise<{ fetched: FetchedObject; versioning: VersioningStatus | undefined }> {
    const bucket = await deps.services.metadata.getBucket(fetched.object.bucket);
    if (bucket === undefined) return { fetched, versioning: undefined };
    const versionId = newVersionId(deps.services, bucket);
    const object: ObjectRecord = {
      ...fetched.object,
      ...writtenAttributes({}, bucket),
      ...(versionId === undefined ? {} : { versionId }),
    };
    return { fetched: { ...fetched, object }, versioning: bucket.versioning };
  }

  async function localObject(bucket: string, key: string): Promise<ObjectRecord | undefined> {
    return deps.services.metadata.getObject(bucket, key).catch(() => undefined);
  }

  async function readLocal(bucket: string, key: string): Promise<FetchedObject | undefined> {
    const object = await localObject(bucket, key);
    if (!object) return undefined;
    return { object, body: await readObjectBytes(deps.services, object) };
  }

  async function fetchThroughGovernor(state: OriginState, key: string): Promise<FetchedObject> {
    const { config } = state;
    const admission = state.governor.admit();
    if (admission === 'breaker_open') {
      metrics.request(config.bucket, 'breaker_open');
      throw breakerOpen(config, key);
    }
    if (admission === 'rate_limited') {
      metrics.request(config.bucket, 'rate_limited');
      throw rateLimited(config, key);
    }
    state.fetches += 1;
    const started = performance.now();
    let result: OriginResult = 'fetched';
    try {
      const answer = await fetchInSpan(state, key);
      if (!answer.found) {
        state.governor.settle('success');
        result = 'not_found';
        state.negative.remember(key, config.negativeTtlMs);
        throw notFound(config, key);
      }
      state.governor.settle('success');
      return { object: recordOf(config, key, answer.object, deps.clock), body: answer.object.body };
    } catch (error) {
      if (result === 'not_found') throw error;
      const failure = originFailure(error, config, key);
      result = failure.result;
      state.governor.settle(failure.breaker);
      state.failures += 1;
      state.lastError = failure.error.message;
      logger.warn('origin fetch failed', {
        bucket: config.bucket,
        key,
        result,
        error: failure.error.message,
      });
      throw failure.error;
    } finally {
      metrics.fetchDuration(config.bucket, (performance.now() - started) / 1000);
      metrics.request(config.bucket, result);
    }
  }

  /** The fetch, bounded by `timeoutMs` (headers and body), in its CLIENT span; verified before it counts. */
  function fetchInSpan(state: OriginState, key: string): Promise<OriginAnswer> {
    const { config } = state;
    return deps.tracer.startActiveSpan(
      'origin GET',
      {
        kind: SpanKind.CLIENT,
        attributes: originFetchSpanAttributes(originUrl(config, key), config, key),
      },
      async (span: Span) => {
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), config.timeoutMs);
        try {
          const answer = await state.client.get(key, { signal: controller.signal });
          if (answer.found) verifyOriginObject(key, answer.object);
          span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, answer.found ? 200 : 404);
          return answer;
        } catch (error) {
          const status = (error as { details?: { status?: number } }).details?.status;
          if (status !== undefined) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
          span.setAttribute(ATTR_ERROR_TYPE, errorType(error));
          span.recordException(error as Error);
          span.setStatus({ code: SpanStatusCode.ERROR });
          throw error;
        } finally {
          clearTimeout(timer);
          span.end();
        }
      },
    );
  }

  return {
    fetchMissing,
    noteLocalRead(bucket) {
      if (deps.directory.originFor(bucket) !== undefined) metrics.read(bucket, 'local');
    },
    status(bucket) {
      const config = deps.directory.originFor(bucket);
      if (config === undefined) return undefined;
      const state = states.get(bucket);
      const status: OriginStatus = {
        breaker: state?.governor.state() ?? 'closed',
        fetches: state?.fetches ?? 0,
        failures: state?.failures ?? 0,
        negativeEntries: state?.negative.size() ?? 0,
      };
      if (state?.lastError !== undefined) status.lastError = state.lastError;
      return status;
    },
    async close() {
      unsubscribe();
      for (const state of states.values()) state.client.close();
      states.clear();
    },
  };
}

/** The local record of a fetched object: the origin's ETag, Last-Modified, headers and metadata. */
function recordOf(config: OriginConfig, key: string, object: OriginObject, clock: Clock): ObjectRecord {
  return {
    bucket: config.bucket,
    key,
    size: object.body.length,
    // S3 ETags are quoted; a plain HTTP origin may send none, or a weak or bare one.
    etag: object.etag && /^"[^"]*"$/.test(object.etag) ? object.etag : `"${md5Hex(object.body)}"`,
    lastModified: object.lastModified ?? clock.now(),
    headers: { ...object.headers },
    userMetadata: { ...object.userMetadata },
    ...(object.checksum ? { checksum: object.checksum } : {}),
    // Filled by the write-back; the fetching request is served from the body it holds.
    segments: [],
  };
}

/** The URL a fetch reads, for the span (path-style for S3 origins, as they are configured). */
function originUrl(config: OriginConfig, key: string): URL {
  const path = key.split('/').map(encodeURIComponent).join('/');
  return new URL(
    config.kind === 's3' ? `${config.endpoint}/${config.remoteBucket}/${path}` : `${config.endpoint}/${path}`,
  );
}

function errorType(error: unknown): string {
  if (error instanceof Error && 'kind' in error && typeof error.kind === 'string') return error.kind;
  return error instanceof Error ? error.name : 'Error';
}
