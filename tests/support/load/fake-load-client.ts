/**
 * An in-memory S3LoadClient for engine tests: objects in a Map, every call logged with the keys it
 * touched, how many calls are in flight (and on which keys), and a hook that decides each answer.
 * Calls end on a later turn of the event loop, as a network call would.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type {
  ClientAnswer,
  GetAnswer,
  ListAnswer,
  PutAnswer,
  S3LoadClient,
} from '../../../tools/load/types.js';

export interface FakeCall {
  readonly operation: 'put' | 'get' | 'head' | 'list' | 'delete' | 'copy' | 'multipart';
  readonly key?: string;
  readonly sourceKey?: string;
  readonly size?: number;
  readonly body?: Buffer;
}

export interface FakeLoadClient extends S3LoadClient {
  readonly calls: FakeCall[];
  readonly objects: Map<string, Buffer>;
  /** The most calls in flight at once. */
  maxInFlight(): number;
  /** Calls that ran on a key while another call on the same key was in flight. */
  readonly overlaps: string[];
}

export interface FakeOptions {
  /** Whether a write (put, copy, multipart) is acknowledged; default all. */
  acknowledge?(call: FakeCall, index: number): boolean;
  /** Turns of the event loop a call takes (default 1). */
  turns?(call: FakeCall, index: number): number;
}

let requestCounter = 0;

export function fakeLoadClient(options: FakeOptions = {}): FakeLoadClient {
  const calls: FakeCall[] = [];
  const objects = new Map<string, Buffer>();
  const busy = new Map<string, number>();
  const overlaps: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;

  async function around<T>(call: FakeCall, act: (index: number) => T): Promise<T> {
    const index = calls.length;
    calls.push(call);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const keys = [call.key, call.sourceKey].filter((key): key is string => key !== undefined);
    for (const key of keys) {
      if ((busy.get(key) ?? 0) > 0) overlaps.push(key);
      busy.set(key, (busy.get(key) ?? 0) + 1);
    }
    try {
      for (let turn = options.turns?.(call, index) ?? 1; turn > 0; turn--) await nextTurn();
      return act(index);
    } finally {
      inFlight--;
      for (const key of keys) busy.set(key, busy.get(key)! - 1);
    }
  }

  const answer = (ok: boolean, status: number, errorCode?: string): ClientAnswer => ({
    ok,
    status,
    ...(errorCode === undefined ? {} : { errorCode }),
    requestIds: [`fake-${++requestCounter}`],
    attempts: 1,
  });

  const write = (call: FakeCall, body: Buffer) =>
    around(call, (index): PutAnswer => {
      if (options.acknowledge?.(call, index) === false) return answer(false, 500, 'InternalError');
      objects.set(call.key!, body);
      return { ...answer(true, 200), etag: '"fake"' };
    });

  return {
    kind: 'raw',
    calls,
    objects,
    overlaps,
    maxInFlight: () => maxInFlight,
    putObject: (_bucket, key, body) => write({ operation: 'put', key, size: body.length, body }, body),
    multipartUpload: (_bucket, key, body) =>
      write({ operation: 'multipart', key, size: body.length, body }, body),
    copyObject: async (_bucket, sourceKey, key) =>
      write({ operation: 'copy', key, sourceKey }, objects.get(sourceKey) ?? Buffer.alloc(0)),
    getObject: (_bucket, key) =>
      around({ operation: 'get', key }, (): GetAnswer => {
        const body = objects.get(key);
        return body === undefined ? answer(false, 404, 'NoSuchKey') : { ...answer(true, 200), body };
      }),
    headObject: (_bucket, key) =>
      around({ operation: 'head', key }, () =>
        objects.has(key) ? answer(true, 200) : answer(false, 404, 'NoSuchKey'),
      ),
    deleteObject: (_bucket, key) =>
      around({ operation: 'delete', key }, () => {
        objects.delete(key);
        return answer(true, 204);
      }),
    listObjects: (_bucket, prefix) =>
      around(
        { operation: 'list' },
        (): ListAnswer => ({
          ...answer(true, 200),
          keys: [...objects.keys()].filter((key) => key.startsWith(prefix)).sort(),
        }),
      ),
    createBucket: async () => answer(true, 200),
    emptyAndDeleteBucket: async () => answer(true, 204),
    close: async () => undefined,
  };
}
