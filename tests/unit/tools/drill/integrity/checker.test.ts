import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { checkIntegrity } from '../../../../../tools/drill/integrity/checker.js';
import type { Firing, ReadBack } from '../../../../../tools/drill/types.js';
import type { DeleteRecord, LoadHistory, ReadRecord, WriteRecord } from '../../../../../tools/load/types.js';

// Prepare: small builders; a key's bytes are named by their "sha" (the checker compares strings).
let requestNumber = 0;
const nextId = (prefix: string) => `${prefix}-${++requestNumber}`;

function put(key: string, sha256: string, startedAtMs: number, endedAtMs: number, acked = true): WriteRecord {
  return { key, sha256, startedAtMs, endedAtMs, acked, requestIds: [nextId('put')], operation: 'put' };
}
function copy(
  key: string,
  sha256: string,
  startedAtMs: number,
  endedAtMs: number,
  acked = true,
): WriteRecord {
  return { key, sha256, startedAtMs, endedAtMs, acked, requestIds: [nextId('copy')], operation: 'copy' };
}
function del(key: string, startedAtMs: number, endedAtMs: number, acked = true): DeleteRecord {
  return { key, startedAtMs, endedAtMs, acked, requestIds: [nextId('delete')] };
}
function read(key: string, sha256: string, startedAtMs: number, endedAtMs: number): ReadRecord {
  return { key, sha256, startedAtMs, endedAtMs, requestIds: [nextId('get')] };
}

type Final = string | null | { error: string; status?: number };

function readBackOf(
  finals: Record<string, Final>,
  listed: readonly string[],
  listingError?: string,
): ReadBack {
  const objects = new Map(
    Object.entries(finals).map(([key, final]) => [
      key,
      final !== null && typeof final === 'object'
        ? { sha256: null, requestId: `final-${key}`, ...final }
        : { sha256: final, requestId: `final-${key}` },
    ]),
  );
  return {
    objects,
    listed: new Set(listed),
    listingRequestIds: ['list-1'],
    ...(listingError === undefined ? {} : { listingError }),
  };
}

function firing(ruleId: string, requestId: string): Firing {
  return { ruleId, point: 'node.write', type: 'stale_replica', requestId, atMs: 0, raw: {} };
}

describe('checkIntegrity', () => {
  it('finds a planted lost write, phantom read, resurrected delete and listing gap, and nothing else', () => {
    // Prepare: four planted violations...
    const lostWrite = put('r/lost', 'A', 0, 10);
    const phantomRead = read('r/phantom', 'X', 6, 7);
    const resurrectedDelete = del('r/resurrected', 10, 12);
    // ...and keys a correct store may show: overwrites, overlapping writes, failed writes either way,
    // failed deletes either way, a stale read of an older acknowledged version, copies.
    const overwrite = [put('r/overwrite', 'E1', 0, 5), put('r/overwrite', 'E2', 10, 15)];
    const staleRead = read('r/overwrite', 'E1', 16, 17);
    const history: LoadHistory = {
      writes: [
        lostWrite,
        put('r/phantom', 'B', 0, 5),
        put('r/resurrected', 'C', 0, 5),
        put('r/gap', 'D', 0, 5),
        ...overwrite,
        put('r/overlap', 'F1', 0, 10),
        put('r/overlap', 'F2', 5, 8),
        put('r/failed-landed', 'G1', 0, 5),
        put('r/failed-landed', 'G2', 10, 12, false),
        put('r/failed-lost', 'H1', 0, 5),
        put('r/failed-lost', 'H2', 10, 12, false),
        // A write that got no answer may land after the client gave up: after a later write.
        put('r/failed-late', 'N1', 0, 5, false),
        put('r/failed-late', 'N2', 10, 15),
        // One ended in the millisecond the other started: a millisecond clock cannot order them.
        put('r/same-ms', 'P1', 0, 5),
        put('r/same-ms', 'P2', 5, 9),
        put('r/failed-delete-landed', 'I1', 0, 5),
        put('r/failed-delete-kept', 'J1', 0, 5),
        put('r/deleted', 'K1', 0, 5),
        put('r/unverifiable', 'L1', 0, 5),
        put('r/source', 'M1', 0, 5),
        copy('r/copy', 'M1', 6, 9),
      ],
      deletes: [
        resurrectedDelete,
        del('r/failed-delete-landed', 10, 11, false),
        del('r/failed-delete-kept', 10, 11, false),
        del('r/deleted', 10, 12),
      ],
      reads: [phantomRead, read('r/phantom', 'B', 8, 9), staleRead],
    };
    const readBack = readBackOf(
      {
        'r/lost': null,
        'r/phantom': 'B',
        'r/resurrected': 'C',
        'r/gap': 'D',
        'r/overwrite': 'E2',
        'r/overlap': 'F1',
        'r/failed-landed': 'G2',
        'r/failed-lost': 'H1',
        'r/failed-late': 'N1',
        'r/same-ms': 'P1',
        'r/failed-delete-landed': null,
        'r/failed-delete-kept': 'J1',
        'r/deleted': null,
        'r/unverifiable': { error: '503 SlowDown', status: 503 },
        'r/source': 'M1',
        // The source's bytes changed under the copy in a way the history cannot see: still no fault.
        'r/copy': 'E1',
      },
      [
        'r/phantom',
        'r/resurrected',
        'r/overwrite',
        'r/overlap',
        'r/failed-landed',
        'r/failed-lost',
        'r/failed-late',
        'r/same-ms',
        'r/failed-delete-kept',
        'r/source',
        'r/copy',
      ],
    );
    const firings = [firing('rule-stale', lostWrite.requestIds[0]!), firing('rule-other', 'unrelated')];

    // Act
    const report = checkIntegrity(history, readBack, firings);

    // Assess
    expect(report.violations.map(({ kind, key }) => ({ kind, key }))).toEqual([
      { kind: 'lost', key: 'r/lost' },
      { kind: 'phantom', key: 'r/phantom' },
      { kind: 'resurrected', key: 'r/resurrected' },
      { kind: 'listing_gap', key: 'r/gap' },
    ]);
    const [lost, phantom, resurrected, gap] = report.violations;
    expect(lost!.requestIds).toEqual([lostWrite.requestIds[0], 'final-r/lost']);
    expect(lost!.rules).toEqual(['rule-stale']);
    expect(lost!.detail).toMatch(/acknowledged at 10ms; read back: 404/);
    expect(phantom!.requestIds).toEqual(phantomRead.requestIds);
    expect(phantom!.atMs).toBe(6);
    expect(phantom!.rules).toEqual([]);
    expect(resurrected!.requestIds).toEqual([
      ...resurrectedDelete.requestIds,
      'final-r/resurrected',
      'list-1',
    ]);
    expect(gap!.detail).toMatch(/listing of the prefix does not name it/);
    expect(report.unverifiable).toEqual(['r/unverifiable']);
    expect(report.acknowledgedWrites).toBe(history.writes.filter((write) => write.acked).length);
    expect(report.acknowledgedDeletes).toBe(2);
    expect(report.readsChecked).toBe(history.reads.length + 15);
  });

  it('calls an older version read back after a newer acknowledged write lost, not stale', () => {
    // Prepare
    const history: LoadHistory = {
      writes: [put('k', 'old', 0, 5), put('k', 'new', 10, 15)],
      deletes: [],
      reads: [],
    };

    // Act
    const report = checkIntegrity(history, readBackOf({ k: 'old' }, ['k']), []);

    // Assess
    expect(report.violations.map((violation) => violation.kind)).toEqual(['lost']);
    expect(report.violations[0]!.detail).toMatch(/an older write/);
  });

  it('calls final bytes nobody sent both phantom and lost', () => {
    // Prepare
    const history: LoadHistory = { writes: [put('k', 'sent', 0, 5)], deletes: [], reads: [] };

    // Act
    const report = checkIntegrity(history, readBackOf({ k: 'garbled' }, ['k']), []);

    // Assess
    expect(report.violations.map((violation) => violation.kind)).toEqual(['lost', 'phantom']);
  });

  it('calls a deleted key that only the listing still names resurrected', () => {
    // Prepare
    const history: LoadHistory = { writes: [put('k', 'A', 0, 5)], deletes: [del('k', 10, 12)], reads: [] };

    // Act
    const report = checkIntegrity(history, readBackOf({ k: null }, ['k']), []);

    // Assess
    expect(report.violations.map((violation) => violation.kind)).toEqual(['resurrected']);
    expect(report.violations[0]!.detail).toMatch(/still listed/);
  });

  it('calls an acknowledged write the server cannot read after recovery lost', () => {
    // Prepare: every replica write vanished; the server answers 503 for it.
    const write = put('k', 'A', 0, 5);
    const history: LoadHistory = { writes: [write], deletes: [], reads: [] };
    const readBack = readBackOf({ k: { error: '503 ServiceUnavailable', status: 503 } }, ['k']);

    // Act
    const report = checkIntegrity(history, readBack, [firing('rule-vanish', write.requestIds[0]!)]);

    // Assess
    expect(report.violations).toEqual([
      {
        kind: 'lost',
        key: 'k',
        detail: 'put of A… acknowledged at 5ms; read back after recovery: 503 ServiceUnavailable',
        requestIds: [write.requestIds[0], 'final-k'],
        rules: ['rule-vanish'],
        atMs: 5,
      },
    ]);
    expect(report.unverifiable).toEqual([]);
  });

  it('reads the status from the error text when the read-back gave none, and needs no listing', () => {
    // Prepare: the listing failed too (a server failing everything still loses acknowledged writes).
    const history: LoadHistory = { writes: [put('k', 'A', 0, 5)], deletes: [], reads: [] };
    const readBack = readBackOf({ k: { error: '500 InternalError' } }, [], 'page 1: InternalError');

    // Act
    const report = checkIntegrity(history, readBack, []);

    // Assess
    expect(report.violations.map(({ kind, key }) => ({ kind, key }))).toEqual([{ kind: 'lost', key: 'k' }]);
  });

  it('leaves a failed final read unverifiable when it proves nothing', () => {
    // Prepare
    const history: LoadHistory = {
      writes: [
        ...['throttled', 'no-answer', 'maybe-deleted', 'client-error'].map((key) => put(key, 'A', 0, 5)),
        put('unacked', 'A', 0, 5, false),
      ],
      deletes: [del('maybe-deleted', 10, 12, false)],
      reads: [],
    };
    const readBack = readBackOf(
      {
        throttled: { error: '503 SlowDown', status: 503 },
        unacked: { error: '500 InternalError', status: 500 },
        'no-answer': { error: 'ECONNRESET' },
        'maybe-deleted': { error: '500 InternalError', status: 500 },
        'client-error': { error: '403 AccessDenied', status: 403 },
      },
      ['throttled', 'no-answer', 'maybe-deleted', 'client-error'],
    );

    // Act
    const report = checkIntegrity(history, readBack, []);

    // Assess
    expect(report.violations).toEqual([]);
    expect([...report.unverifiable].sort()).toEqual([
      'client-error',
      'maybe-deleted',
      'no-answer',
      'throttled',
      'unacked',
    ]);
  });

  it('does not judge listings when the listing failed', () => {
    // Prepare
    const history: LoadHistory = { writes: [put('k', 'A', 0, 5)], deletes: [], reads: [] };

    // Act
    const report = checkIntegrity(history, readBackOf({ k: 'A' }, [], 'page 1: SlowDown'), []);

    // Assess
    expect(report.violations).toEqual([]);
  });

  it('calls a listed key no write was attempted for phantom', () => {
    // Prepare
    const history: LoadHistory = { writes: [put('k', 'A', 0, 5)], deletes: [], reads: [] };

    // Act
    const report = checkIntegrity(history, readBackOf({ k: 'A' }, ['k', 'stranger']), []);

    // Assess
    expect(report.violations.map(({ kind, key }) => ({ kind, key }))).toEqual([
      { kind: 'phantom', key: 'stranger' },
    ]);
  });

  it('judges a hot key with 200,000 writes (a minute of load on one key) quickly', () => {
    // Prepare
    const writes = Array.from({ length: 200_000 }, (_, i) => put('hot', `v${i}`, i, i + 0.5));
    const history: LoadHistory = { writes, deletes: [], reads: [] };

    // Act
    const started = performance.now();
    const report = checkIntegrity(history, readBackOf({ hot: 'v199999' }, ['hot']), []);

    // Assess
    expect(report.violations).toEqual([]);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('reports nothing for any history of a correct (linearizable) store', () => {
    fc.assert(
      fc.property(fc.array(operationArbitrary, { maxLength: 40 }), (operations) => {
        // Prepare: run the operations against a linearizable key-value store.
        const { history, readBack } = simulateCorrectStore(operations);

        // Act
        const report = checkIntegrity(history, readBack, []);

        // Assess
        expect(report.violations).toEqual([]);
        expect(report.unverifiable).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('finds a lost write, a resurrected delete and a phantom read planted among any correct history', () => {
    fc.assert(
      fc.property(fc.array(operationArbitrary, { maxLength: 40 }), (operations) => {
        // Prepare: a correct history, then three faults after it (times past any operation's).
        const { history, readBack } = simulateCorrectStore(operations);
        const planted: LoadHistory = {
          writes: [...history.writes, put('p/lost', 'L', 500, 501), put('p/back', 'B', 500, 501)],
          deletes: [...history.deletes, del('p/back', 510, 511)],
          reads: [...history.reads, read('p/k0', 'never-sent', 520, 521)],
        };
        const objects = new Map(readBack.objects);
        objects.set('p/lost', { sha256: null });
        objects.set('p/back', { sha256: 'B' });
        objects.set('p/k0', objects.get('p/k0') ?? { sha256: null });
        const listed = new Set([...readBack.listed, 'p/back']);

        // Act
        const report = checkIntegrity(planted, { ...readBack, objects, listed }, []);

        // Assess
        expect(report.violations.map(({ kind, key }) => `${kind} ${key}`).sort()).toEqual([
          'lost p/lost',
          'phantom p/k0',
          'resurrected p/back',
        ]);
      }),
      { numRuns: 200 },
    );
  });
});

// --- a correct store, simulated -------------------------------------------------------------------

const operationArbitrary = fc.record({
  kind: fc.constantFrom('put', 'delete', 'get', 'copy'),
  key: fc.integer({ min: 0, max: 3 }),
  sourceKey: fc.integer({ min: 0, max: 3 }),
  // Coarse whole-millisecond times, so operations often start or end in the same millisecond.
  start: fc.integer({ min: 0, max: 60 }),
  duration: fc.integer({ min: 0, max: 10 }),
  acked: fc.boolean(),
  /** Where in its interval the operation takes effect (ms from its start, wrapped to the interval). */
  effect: fc.nat(),
  /** An unacknowledged mutation: whether it took effect at all, and how long after the client gave up. */
  landed: fc.boolean(),
  lateBy: fc.integer({ min: 0, max: 30 }),
});
type Operation = typeof operationArbitrary extends fc.Arbitrary<infer T> ? T : never;

/**
 * Each operation takes effect at one instant: an acknowledged one within its interval, an
 * unacknowledged mutation maybe never, maybe after the client gave up. Reads return the state at
 * their instant (recorded only when they returned bytes, as the load generator records them).
 */
function simulateCorrectStore(operations: readonly Operation[]): {
  history: LoadHistory;
  readBack: ReadBack;
} {
  const keyName = (index: number) => `p/k${index}`;
  const state = new Map<string, string>();
  const writes: WriteRecord[] = [];
  const deletes: DeleteRecord[] = [];
  const reads: ReadRecord[] = [];
  const timed = operations.map((operation, index) => {
    const end = operation.start + operation.duration;
    const mutation = operation.kind !== 'get';
    const acked = mutation ? operation.acked : true;
    const effectAt = acked
      ? operation.start + (operation.effect % (operation.duration + 1))
      : operation.start + (operation.effect % (operation.duration + operation.lateBy + 1));
    return { operation, index, end, acked, effectAt, happens: acked || operation.landed };
  });
  const states = new Map<number, { sourceAtStart?: string; result?: string | null; acked: boolean }>();
  for (const event of [...timed].sort((a, b) => a.effectAt - b.effectAt || a.index - b.index)) {
    const key = keyName(event.operation.key);
    const value = `v${event.index}`;
    if (event.operation.kind === 'get') {
      states.set(event.index, { result: state.get(key) ?? null, acked: true });
    } else if (event.operation.kind === 'copy') {
      const source = state.get(keyName(event.operation.sourceKey));
      // A copy of a missing source fails (NoSuchKey): nothing written, not acknowledged.
      const acked = event.acked && source !== undefined;
      if (event.happens && source !== undefined) state.set(key, source);
      states.set(event.index, { acked, ...(source === undefined ? {} : { result: source }) });
    } else if (event.happens) {
      if (event.operation.kind === 'put') state.set(key, value);
      else state.delete(key);
    }
  }
  for (const { operation, index, end, acked } of timed) {
    const key = keyName(operation.key);
    const requestIds = [`req-${index}`];
    const common = { key, startedAtMs: operation.start, endedAtMs: end, requestIds };
    if (operation.kind === 'put') writes.push({ ...common, sha256: `v${index}`, acked, operation: 'put' });
    if (operation.kind === 'delete') deletes.push({ ...common, acked });
    if (operation.kind === 'get') {
      const result = states.get(index)!.result;
      if (result !== null && result !== undefined) reads.push({ ...common, sha256: result });
    }
    if (operation.kind === 'copy') {
      // The generator records what it believed the source held, which may not be what was copied:
      // every other copy records the bytes copied, the rest an unknown.
      const copied = states.get(index)!;
      const believed = index % 2 === 0 ? (copied.result ?? '') : 'unknown';
      writes.push({ ...common, sha256: believed, acked: copied.acked, operation: 'copy' });
    }
  }
  const touched = new Set([...writes, ...deletes, ...reads].map((record) => record.key));
  return {
    history: { writes, deletes, reads },
    readBack: {
      objects: new Map([...touched].map((key) => [key, { sha256: state.get(key) ?? null }])),
      listed: new Set(state.keys()),
      listingRequestIds: [],
    },
  };
}
