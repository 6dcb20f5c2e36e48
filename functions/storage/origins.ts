import type { ConfigSource, ConfigValue } from '../../shared/config/ports.js';
import { originKey, originView, parseOriginConfig } from '../../shared/origin/origin-config.js';
import { environmentOrigin } from '../../shared/origin/origin-registry.js';
import type { OriginConfig, OriginDirectory, OriginStatus } from '../../shared/origin/ports.js';
import type { Runtime } from '../../shared/runtime/runtime.js';
import { isValidBucketName } from '../../shared/s3/names.js';
import { ControlError } from '../injection/control-error.js';
import type { ControlResponse } from '../injection/request.js';

/** How long a write waits to see its origin in force here (issue: "in force within a second"). */
const IN_FORCE_WAIT_MS = 1000;

/**
 * An origin as the origins API answers it: the configuration in the request body's own shape
 * (`bucket` is the bucket at the origin), without credentials (`credentialsSet` says whether there
 * are any), the local bucket it serves, where it comes from, and this process's view of it.
 */
export interface OriginDescription {
  localBucket: string;
  source: OriginConfig['source'];
  status?: OriginStatus;
  [field: string]: ConfigValue | OriginStatus | undefined;
}

/**
 * GET /api/v1/origins: every origin in force. With `ORIGIN_BUCKETS=*` the environment's origin
 * serves every bucket, so each existing local bucket without a stored origin is listed with it.
 */
export async function listOrigins(runtime: Runtime): Promise<ControlResponse> {
  return { status: 200, body: { origins: (await originsInForce(runtime)).map((c) => describe(runtime, c)) } };
}

/** The origins in force in this process, sorted by local bucket (also the admin view's). */
export async function originsInForce(runtime: Runtime): Promise<OriginConfig[]> {
  const origins = runtime.origins?.list() ?? [];
  if (!runtime.config.origin.buckets.includes('*')) return origins;
  const listed = new Set(origins.map((origin) => origin.bucket));
  const buckets = await runtime.views.metadata.listBuckets();
  const everyBucket = buckets
    .filter((bucket) => !listed.has(bucket.name))
    .map((bucket) => environmentOrigin(runtime.config.origin, bucket.name))
    .filter((origin) => origin !== undefined);
  return [...origins, ...everyBucket].sort((a, b) => a.bucket.localeCompare(b.bucket));
}

/** GET /api/v1/origins/{bucket}: 404 when the bucket has no origin. */
export function getOrigin(runtime: Runtime, bucket: string): ControlResponse {
  const origin = directoryOf(runtime).originFor(localBucket(bucket));
  if (origin === undefined) throw noOrigin(bucket);
  return { status: 200, body: describe(runtime, origin) };
}

/**
 * PUT /api/v1/origins/{bucket}: validated first (a refused origin is never stored), the local
 * bucket created when missing, stored in the config store (every instance applies it through its
 * watch) with its credentials; answers once it is in force here (or after a second): 201 when the
 * bucket had no stored origin, 200 when one was replaced.
 */
export async function putOrigin(runtime: Runtime, bucket: string, body: unknown): Promise<ControlResponse> {
  const directory = directoryOf(runtime);
  const source = sourceOf(runtime);
  const name = localBucket(bucket);
  const parsed = parseOriginConfig(name, body);
  if (!parsed.ok) throw new ControlError('ValidationError', parsed.error, { field: parsed.field });
  const replaced = (await source.get(originKey(name))) !== undefined;
  await ensureBucket(runtime, name);
  const stored = originView(parsed.config, { withCredentials: true });
  await inForce(
    directory,
    name,
    (now) => now !== undefined && sameOrigin(now, parsed.config),
    () => source.set(originKey(name), stored),
  );
  return { status: replaced ? 200 : 201, body: describe(runtime, parsed.config) };
}

/**
 * DELETE /api/v1/origins/{bucket}: removes the stored origin (the environment's, if it names the
 * bucket, is in force again). An origin that comes from the environment cannot be deleted: 409.
 */
export async function deleteOrigin(runtime: Runtime, bucket: string): Promise<ControlResponse> {
  const directory = directoryOf(runtime);
  const source = sourceOf(runtime);
  const name = localBucket(bucket);
  const fallback = environmentOrigin(runtime.config.origin, name);
  if ((await source.get(originKey(name))) === undefined) {
    if (fallback === undefined) throw noOrigin(name);
    throw new ControlError(
      'Conflict',
      `the origin of ${name} comes from the environment (ORIGIN_ENDPOINT, ORIGIN_BUCKETS) and cannot be deleted here; restart without it, or PUT an origin to override it`,
    );
  }
  await inForce(
    directory,
    name,
    (now) => now?.source !== 'stored',
    () => source.delete(originKey(name)),
  );
  return {
    status: 200,
    body: { localBucket: name, deleted: true, inForce: fallback === undefined ? 'none' : 'environment' },
  };
}

function describe(runtime: Runtime, origin: OriginConfig): OriginDescription {
  const status = runtime.services.origin?.status(origin.bucket);
  return {
    localBucket: origin.bucket,
    ...originView(origin, { withCredentials: false }),
    source: origin.source,
    ...(status === undefined ? {} : { status }),
  };
}

/** Same settings and credentials (a replaced secret is a change too). */
function sameOrigin(a: OriginConfig, b: OriginConfig): boolean {
  return (
    a.source === b.source &&
    JSON.stringify(originView(a, { withCredentials: true })) ===
      JSON.stringify(originView(b, { withCredentials: true }))
  );
}

/**
 * Runs `write` and resolves once `settled` holds for the bucket's origin in this process, or after
 * {@link IN_FORCE_WAIT_MS}. Listens before writing, so a change applied at once is not missed.
 */
async function inForce(
  directory: OriginDirectory,
  bucket: string,
  settled: (origin: OriginConfig | undefined) => boolean,
  write: () => Promise<unknown>,
): Promise<void> {
  let stop = () => {};
  let timer: NodeJS.Timeout | undefined;
  const applied = new Promise<void>((resolve) => {
    const done = () => resolve();
    timer = setTimeout(done, IN_FORCE_WAIT_MS);
    const unsubscribe = directory.onChange((changed) => {
      if (changed === bucket && settled(directory.originFor(bucket))) done();
    });
    stop = () => {
      unsubscribe();
    };
  });
  try {
    await write();
    if (!settled(directory.originFor(bucket))) await applied;
  } finally {
    clearTimeout(timer);
    stop();
  }
}

/** Creates the local bucket when missing, through no fault point: configuring is not data traffic. */
async function ensureBucket(runtime: Runtime, bucket: string): Promise<void> {
  const metadata = runtime.views.metadata;
  if ((await metadata.getBucket(bucket)) !== undefined) return;
  await metadata.createBucket({ name: bucket, createdAt: runtime.services.clock.now() });
}

function localBucket(bucket: string): string {
  if (!isValidBucketName(bucket)) {
    throw new ControlError(
      'ValidationError',
      `localBucket: ${JSON.stringify(bucket.slice(0, 100))} is not a valid S3 bucket name`,
      { field: 'localBucket' },
    );
  }
  return bucket;
}

function noOrigin(bucket: string): ControlError {
  return new ControlError('NotFound', `bucket ${bucket} has no origin`);
}

function directoryOf(runtime: Runtime): OriginDirectory {
  if (runtime.origins === undefined) throw new Error('this host runs without origins');
  return runtime.origins;
}

function sourceOf(runtime: Runtime): ConfigSource {
  if (runtime.dynamicConfig === undefined) throw new Error('this host runs without a config store');
  return runtime.dynamicConfig.source;
}
