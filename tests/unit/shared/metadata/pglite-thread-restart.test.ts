import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { openPgliteThreadClient } from '../../../../shared/metadata/adapters/pglite-thread-client.js';
import { MetadataUnavailableError } from '../../../../shared/metadata/ports.js';
import type { SqlClient } from '../../../../shared/metadata/sql-client.js';
import { CRASH_SQL } from '../../../support/crashing-pglite-thread.js';

jest.setTimeout(60_000);

const CRASHING_THREAD = new URL('../../../support/crashing-pglite-thread.ts', import.meta.url);

let client: SqlClient | undefined;
let dataDir: string | undefined;

afterEach(async () => {
  await client?.close();
  client = undefined;
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

describe('PGlite thread that dies', () => {
  it('fails what it had not answered with MetadataUnavailableError, then a new thread serves the committed rows', async () => {
    // Prepare
    dataDir = await mkdtemp(join(tmpdir(), 'mock-s3-pglite-thread-'));
    const lost: string[] = [];
    client = await openPgliteThreadClient(dataDir, CRASHING_THREAD, {
      onThreadLost: (error) => lost.push(error.message),
    });
    await client.query('create table kept (k text primary key)');
    await client.query("insert into kept values ('before the crash')");

    // Act
    const crashed = client.query(CRASH_SQL);
    await expect(crashed).rejects.toBeInstanceOf(MetadataUnavailableError);
    const rows = await client.query<{ k: string }>('select k from kept');
    await client.query("insert into kept values ('after the crash')");

    // Assess
    expect(lost).toEqual(['the PGlite thread exited (code 70)']);
    expect(rows).toEqual([{ k: 'before the crash' }]);
    expect(await client.query('select k from kept order by k')).toEqual([
      { k: 'after the crash' },
      { k: 'before the crash' },
    ]);
  });

  it('fails an open transaction: its end goes to the new thread, which never saw it', async () => {
    // Prepare
    dataDir = await mkdtemp(join(tmpdir(), 'mock-s3-pglite-thread-'));
    client = await openPgliteThreadClient(dataDir, CRASHING_THREAD);
    await client.query('create table kept (k text primary key)');

    // Act
    const transaction = client.transaction(async (tx) => {
      await tx.query("insert into kept values ('never committed')");
      await tx.query(CRASH_SQL);
    });

    // Assess
    await expect(transaction).rejects.toBeInstanceOf(MetadataUnavailableError);
    expect(await client.query('select k from kept')).toEqual([]);
  });

  it('is not reported lost when closed', async () => {
    // Prepare
    const lost: string[] = [];
    const closing = await openPgliteThreadClient(undefined, CRASHING_THREAD, {
      onThreadLost: (error) => lost.push(error.message),
    });
    await closing.query('select 1');

    // Act
    await closing.close();

    // Assess
    expect(lost).toEqual([]);
    await expect(closing.query('select 1')).rejects.toThrow(/closed/);
  });

  it('does not reopen an in-memory database empty: calls keep failing', async () => {
    // Prepare
    client = await openPgliteThreadClient(undefined, CRASHING_THREAD);
    await client.query('create table kept (k text primary key)');

    // Act
    await client.query(CRASH_SQL).catch(() => undefined);
    const after = client.query('select k from kept');

    // Assess
    await expect(after).rejects.toBeInstanceOf(MetadataUnavailableError);
    await expect(after).rejects.toThrow(/in-memory database lost/);
  });
});
