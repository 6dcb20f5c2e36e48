import { randomUUID } from 'node:crypto';
import { Etcd3 } from 'etcd3';

/** What `bash scripts/etcd-up.sh` starts. */
export const ETCD_URL = process.env.ETCD_URL || 'http://127.0.0.1:2379';

/** A key prefix of this run only, so tests never touch a running stack's registry or config. */
export function scratchPrefix(area: string): string {
  return `/mock-s3-test/${randomUUID()}/${area}/`;
}

/** A plain client for looking at etcd behind the code under test. */
export function inspectEtcd(): Etcd3 {
  return new Etcd3({ hosts: ETCD_URL, dialTimeout: 3000 });
}

/** Fails once, with the fix, when etcd is not running (instead of timeouts in every test). */
export async function assertEtcdAnswers(): Promise<void> {
  try {
    const response = await fetch(`${ETCD_URL}/health`, { signal: AbortSignal.timeout(3000) });
    const body = (await response.json()) as { health?: string };
    if (body.health !== 'true') throw new Error(`unhealthy: ${JSON.stringify(body)}`);
  } catch (error) {
    throw new Error(
      `etcd at ${ETCD_URL} does not answer (${(error as Error).message}). ` +
        'Start it with `bash scripts/etcd-up.sh` and export the ETCD_URL it prints.',
    );
  }
}

/**
 * Resolves with the first value that passes `done`: `current()` now if it already does, else the
 * first emitted one (so a change that landed before the subscription is not waited for in vain);
 * rejects after `timeoutMs`.
 */
export function eventually<T>(
  subscribe: (emit: (value: T) => void) => () => void,
  done: (value: T) => boolean,
  timeoutMs: number,
  what: string,
  current?: () => T,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (current && done(current())) {
      resolve(current());
      return;
    }
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const unsubscribe = subscribe((value) => {
      if (!done(value)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(value);
    });
  });
}
