import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openPgliteClient } from '../../../../shared/metadata/adapters/pglite-client.js';
import type { SqlClient } from '../../../../shared/metadata/sql-client.js';

/**
 * Runs `work` in a callback of its own, as an HTTP request's handler runs in an I/O callback.
 * `setImmediate`, not `setTimeout(0)`: immediates queued together all run in the next check phase,
 * while timers created either side of a millisecond boundary may fall in two turns (1 run in 10).
 */
function inOwnCallback<T>(work: () => Promise<T>): Promise<T> {
  return new Promise((resolve, reject) => setImmediate(() => work().then(resolve, reject)));
}

describe('PGlite group commit', () => {
  let client: SqlClient;

  beforeAll(async () => {
    // One in-memory PGlite for the file: a cold start takes seconds.
    client = await openPgliteClient(undefined);
    await client.query('CREATE TABLE group_commit_probe (id int PRIMARY KEY)');
  });

  afterAll(() => client.close());

  it('commits statements issued in separate callbacks of one loop turn in one transaction', async () => {
    // Act: txid_current() names the transaction each statement ran in
    const txids = await Promise.all(
      Array.from({ length: 4 }, () =>
        inOwnCallback(() => client.query<{ txid: string }>('SELECT txid_current()::text AS txid')),
      ),
    );

    // Assess
    expect(new Set(txids.map((rows) => rows[0]!.txid)).size).toBe(1);
  });

  it("keeps the others' writes and answers when one statement of the group fails", async () => {
    // Act
    const outcomes = await Promise.allSettled([
      inOwnCallback(() => client.query('INSERT INTO group_commit_probe (id) VALUES (1)')),
      inOwnCallback(() => client.query('SELECT 1 / 0 AS never')),
      inOwnCallback(() => client.query('INSERT INTO group_commit_probe (id) VALUES (2) RETURNING id')),
    ]);

    // Assess
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ code: '22012' });
    expect((outcomes[2] as PromiseFulfilledResult<unknown>).value).toEqual([{ id: 2 }]);
    const stored = await client.query<{ id: number }>('SELECT id FROM group_commit_probe ORDER BY id');
    expect(stored).toEqual([{ id: 1 }, { id: 2 }]);
  });
});
