/**
 * The origin of a drill's bucket (`origin:` of the drill file): a bucket of the target made and
 * seeded before the load, then attached with `PUT /api/v1/origins/{bucket}` so the load's reads of
 * the seeded keys miss locally and read through to it. It is the drill's fixture, like its bucket,
 * not a fault: it stays attached through the rollback of the faults and the final read-back (which
 * reads through it too), and is removed after. The attachment is in the leftovers registry before
 * it is made, so a runner killed mid-drill leaves nothing `drill cleanup` cannot remove.
 */
import { ControlApiError, sendControl } from '../../cli/control-client.js';
import { seedObjects } from '../../load/seeding.js';
import type { S3LoadClient, SeededObject } from '../../load/types.js';
import { originBody } from '../file/origin.js';
import { type DrillFile, DrillFileError, type DrillOrigin, type TargetInfo } from '../types.js';
import { undoEntry } from './undo.js';
import { openRunRegistry, type UndoEntry } from './undo-registry.js';

const CONTROL_TIMEOUT_MS = 10_000;
const ORIGINS_PATH = '/api/v1/origins';

/** An origin attached to the drill's bucket, with what was seeded there. */
export interface AttachedOrigin {
  /** The origin bucket (its `{run}` replaced). */
  readonly bucket: string;
  readonly objects: readonly SeededObject[];
  /** Removes the attachment, then (unless `keep`) empties and deletes the origin bucket; never throws. */
  detach(keep: boolean): Promise<readonly string[]>;
}

/**
 * Refuses, before anything is made, a drill with `origin:` whose target cannot give a bucket an
 * origin: no control plane, or one without the origins API.
 * @throws DrillFileError('--admin' | 'origin')
 */
export async function requireOriginApi(drill: DrillFile, target: TargetInfo): Promise<void> {
  if (drill.origin === undefined) return;
  if (target.admin === undefined) {
    throw new DrillFileError(
      '--admin',
      'origin: giving the bucket an origin needs the control plane, and none answers',
    );
  }
  try {
    await sendControl(
      target.admin,
      { method: 'GET', path: ORIGINS_PATH },
      AbortSignal.timeout(CONTROL_TIMEOUT_MS),
    );
  } catch (error) {
    throw new DrillFileError(
      'origin',
      `the control plane at ${target.admin} cannot give a bucket an origin (GET ${ORIGINS_PATH}: ${(error as Error).message})`,
    );
  }
}

/**
 * Makes the origin bucket, seeds it and attaches it to `bucket`. On a failure, what was made is
 * removed again and the error says which part failed.
 */
export async function attachOrigin(options: {
  readonly origin: DrillOrigin;
  readonly target: TargetInfo;
  readonly runId: string;
  readonly bucket: string;
  readonly keyPrefix: string;
  readonly seed: number;
  readonly client: S3LoadClient;
  readonly log: (line: string) => void;
}): Promise<AttachedOrigin> {
  const { origin, target, runId, bucket, client, log } = options;
  const admin = target.admin;
  if (admin === undefined) throw new Error('origin: no control plane (--admin)');
  const originBucket = origin.bucket.replaceAll('{run}', runId);
  const created = await client.createBucket(originBucket);
  if (!created.ok) {
    throw new Error(
      `origin.bucket: CreateBucket ${originBucket} answered ${created.status ?? 'nothing'} ${created.errorCode ?? ''}`.trim(),
    );
  }
  // A registry of its own (a file per run and purpose): the actuator's holds the faults.
  const registry = openRunRegistry(`${runId}.origin`);
  const entry: UndoEntry = { kind: 'origin', admin, bucket };
  const removeBucket = async (): Promise<string> => {
    const removed = await client.emptyAndDeleteBucket(originBucket);
    return removed.ok
      ? `origin bucket ${originBucket} emptied and deleted`
      : `origin bucket ${originBucket} not removed: ${removed.status ?? ''} ${removed.errorCode ?? ''}`;
  };
  let objects: SeededObject[];
  try {
    objects = await seedObjects(client, {
      bucket: originBucket,
      keyPrefix: options.keyPrefix,
      count: origin.keys,
      size: origin.size,
      seed: options.seed,
    });
    registry.add(entry);
    await sendControl(
      admin,
      {
        method: 'PUT',
        path: `${ORIGINS_PATH}/${encodeURIComponent(bucket)}`,
        body: originBody(origin, target.target, originBucket),
      },
      AbortSignal.timeout(CONTROL_TIMEOUT_MS),
    );
  } catch (error) {
    const lines: string[] = [];
    if (registry.entries().length > 0) {
      lines.push(await undoEntry(entry).catch((undo: Error) => `origin not removed: ${undo.message}`));
      registry.remove(entry);
    }
    lines.push(await removeBucket());
    for (const line of lines) log(`[drill] origin: ${line}`);
    const why =
      error instanceof ControlApiError
        ? `PUT ${ORIGINS_PATH}/${bucket}: ${error.message}`
        : (error as Error).message;
    throw new Error(`origin: ${why}`);
  }
  log(`[drill] origin: ${bucket} reads through to ${originBucket} (${objects.length} objects seeded there)`);
  return {
    bucket: originBucket,
    objects,
    async detach(keep) {
      const lines: string[] = [];
      try {
        lines.push(await undoEntry(entry));
        registry.remove(entry);
      } catch (error) {
        lines.push(
          `could NOT remove the origin of ${bucket}: ${(error as Error).message}; left in the registry for \`mock-s3 drill cleanup\``,
        );
      }
      if (!keep)
        lines.push(
          await removeBucket().catch(
            (error: Error) => `origin bucket ${originBucket} not removed: ${error.message}`,
          ),
        );
      for (const line of lines) log(`[drill] origin: ${line}`);
      return lines;
    },
  };
}
