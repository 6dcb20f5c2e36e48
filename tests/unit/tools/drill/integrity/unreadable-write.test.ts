import { describe, expect, it } from '@jest/globals';
import { checkIntegrity } from '../../../../../tools/drill/integrity/checker.js';
import type { ReadBack } from '../../../../../tools/drill/types.js';
import type { LoadHistory, WriteRecord } from '../../../../../tools/load/types.js';

function put(key: string, sha256: string, acked = true): WriteRecord {
  return { key, sha256, startedAtMs: 0, endedAtMs: 5, acked, requestIds: [`put-${key}`], operation: 'put' };
}

function readBack(errors: Record<string, string>): ReadBack {
  return {
    objects: new Map(
      Object.entries(errors).map(([key, error]) => [key, { sha256: null, error, requestId: `final-${key}` }]),
    ),
    listed: new Set(),
    listingRequestIds: [],
  };
}

// The replica writes that vanish after their acknowledgement (stale_replica at node.write on every
// node) read back as 503 ServiceUnavailable, not 404: the bytes are gone all the same.
describe('checkIntegrity: final reads the server answers with an error', () => {
  it('an acknowledged write read back as a 5xx after recovery is lost, with its key and request ids', () => {
    // Prepare
    const history: LoadHistory = {
      writes: [
        put('k/vanished', 'A'),
        put('k/unacked', 'B', false),
        put('k/throttled', 'C'),
        put('k/reset', 'D'),
      ],
      deletes: [],
      reads: [],
    };

    // Act
    const report = checkIntegrity(
      history,
      readBack({
        'k/vanished': '503 ServiceUnavailable',
        'k/unacked': '503 ServiceUnavailable',
        'k/throttled': '503 SlowDown',
        'k/reset': 'ECONNRESET',
      }),
      [
        {
          ruleId: 'stale',
          point: 'node.write',
          type: 'stale_replica',
          requestId: 'put-k/vanished',
          atMs: 1,
          raw: {},
        },
      ],
    );

    // Assess: lost only where an acknowledged write must still be there and the server answered
    expect(report.violations).toEqual([
      {
        kind: 'lost',
        key: 'k/vanished',
        detail: expect.stringContaining('503 ServiceUnavailable'),
        requestIds: ['put-k/vanished', 'final-k/vanished'],
        rules: ['stale'],
        atMs: 5,
      },
    ]);
    expect(report.unverifiable).toEqual(['k/reset', 'k/throttled', 'k/unacked']);
  });
});
