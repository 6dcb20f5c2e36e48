import { currentRequestFacts } from '../injection/request-scope.js';
import type { ObjectRecord } from '../metadata/ports.js';
import type { Clock } from '../runtime/clock.js';

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

/**
 * The version a read sees under the consistency faults of the request in progress:
 * `read_after_write_miss` hides an object younger than `ms`; `stale_read` serves the version it
 * replaced (or nothing, for a first version: a stale replica never saw it).
 */
export function visibleVersion(object: ObjectRecord, clock: Clock): ObjectRecord | undefined {
  const fault = currentRequestFacts()?.consistency;
  if (!fault) return object;
  if (fault.type === 'read_after_write_miss') {
    return clock.now().getTime() - object.lastModified.getTime() < fault.ms ? undefined : object;
  }
  if (fault.type === 'stale_read') return replaced.get(`${object.bucket}/${object.key}`);
  return object;
}

/** `list_lag`: keys younger than `ms` are missing from listings for a while. */
export function listedObjects(objects: ObjectRecord[], clock: Clock): ObjectRecord[] {
  const fault = currentRequestFacts()?.consistency;
  if (fault?.type !== 'list_lag') return objects;
  const cutoff = clock.now().getTime() - fault.ms;
  return objects.filter((object) => object.lastModified.getTime() <= cutoff);
}
