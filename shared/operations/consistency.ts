import { currentRequestFacts, type RequestFacts } from '../injection/request-scope.js';
import type { ObjectRecord, ObjectVersion } from '../metadata/ports.js';
import type { S3Services } from '../runtime/runtime.js';
import { shownVersionId } from './versions.js';

/** Versions replaced recently, for `stale_read` (bounded; the oldest are forgotten first). */
const MAX_REMEMBERED = 1000;
const replaced = new Map<string, ObjectRecord>();

/** Remembers the version a commit replaced, so a `stale_read` fault can serve it. */
export function rememberReplaced(previous: ObjectRecord | undefined): void {
  if (!previous) return;
  const id = `${previous.bucket}/${previous.key}`;
  replaced.delete(id);
  replaced.set(id, previous);
  if (replaced.size > MAX_REMEMBERED) replaced.delete(replaced.keys().next().value!);
}

/** The consistency fault changed the answer: its firing is recorded (once per request). */
function applied(facts: RequestFacts): void {
  facts.consistencyFiring?.confirm();
}

/**
 * The version a read sees under the consistency faults of the request in progress:
 * `read_after_write_miss` hides an object younger than `ms`; `stale_read` serves the version it
 * replaced (or nothing, for a first version: a stale replica never saw it). A replaced version
 * whose bytes are gone (collected before the rule existed) is not served: the read is only stale,
 * never broken, and the fault did not fire. In a versioned bucket the previous version is the
 * store's newest noncurrent one (nothing when that is a delete marker or there is none).
 */
export async function visibleVersion(
  services: S3Services,
  object: ObjectRecord,
): Promise<ObjectRecord | undefined> {
  const facts = currentRequestFacts();
  const fault = facts?.consistency;
  if (!facts || !fault) return object;
  if (fault.type === 'read_after_write_miss') {
    if (services.clock.now().getTime() - object.lastModified.getTime() >= fault.ms) return object;
    applied(facts);
    return undefined;
  }
  if (fault.type !== 'stale_read') return object;
  const bucket = await services.metadata.getBucket(object.bucket);
  if (bucket?.versioning) {
    applied(facts);
    return previousVersion(services, object);
  }
  const older = replaced.get(`${object.bucket}/${object.key}`);
  if (older && !(await stillReadable(services, older))) return object;
  applied(facts);
  return older;
}

/** The version `object` (the current one) replaced, from the store; undefined for a marker or none. */
async function previousVersion(
  services: S3Services,
  object: ObjectRecord,
): Promise<ObjectRecord | undefined> {
  const [previous] = await services.metadata.listObjectVersions({
    bucket: object.bucket,
    prefix: object.key,
    keyMarker: object.key,
    versionIdMarker: shownVersionId(object),
    limit: 1,
  });
  return previous && previous.object.key === object.key && !previous.deleteMarker
    ? previous.object
    : undefined;
}

/**
 * A version named by id under the consistency faults: `read_after_write_miss` hides one younger
 * than `ms`; `stale_read` hides the latest version (a stale replica does not know it yet) and
 * serves older ones, which never change.
 */
export function visibleVersionById(services: S3Services, version: ObjectVersion): ObjectVersion | undefined {
  const facts = currentRequestFacts();
  const fault = facts?.consistency;
  if (!facts || !fault) return version;
  if (fault.type === 'read_after_write_miss') {
    if (services.clock.now().getTime() - version.object.lastModified.getTime() >= fault.ms) return version;
    applied(facts);
    return undefined;
  }
  if (fault.type === 'stale_read' && version.isLatest) {
    applied(facts);
    return undefined;
  }
  return version;
}

/** `list_lag`: keys younger than `ms` are missing from listings for a while. */
export function listedObjects(objects: ObjectRecord[], services: S3Services): ObjectRecord[] {
  const facts = currentRequestFacts();
  const fault = facts?.consistency;
  if (!facts || fault?.type !== 'list_lag') return objects;
  const cutoff = services.clock.now().getTime() - fault.ms;
  const listed = objects.filter((object) => object.lastModified.getTime() <= cutoff);
  if (listed.length < objects.length) applied(facts);
  return listed;
}

/** `list_lag` on ListObjectVersions: versions and delete markers younger than `ms` are missing. */
export function listedVersions(versions: ObjectVersion[], services: S3Services): ObjectVersion[] {
  const facts = currentRequestFacts();
  const fault = facts?.consistency;
  if (!facts || fault?.type !== 'list_lag') return versions;
  const cutoff = services.clock.now().getTime() - fault.ms;
  const listed = versions.filter((version) => version.object.lastModified.getTime() <= cutoff);
  if (listed.length < versions.length) applied(facts);
  return listed;
}

async function stillReadable(services: S3Services, object: ObjectRecord): Promise<boolean> {
  const first = object.segments[0];
  if (!first) return true;
  try {
    await services.blobs.get(first.blobId);
    return true;
  } catch {
    return false;
  }
}
