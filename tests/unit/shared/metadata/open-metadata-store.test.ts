import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openMetadataStore } from '../../../../shared/metadata/open-metadata-store.js';
import { aBucket } from '../../../support/metadata-contract.js';

describe('openMetadataStore (PGlite on disk)', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mock-s3-metadata-'));
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps its data under <dataDir>/metadata across a reopen', async () => {
    // Prepare
    const first = await openMetadataStore({ backend: 'pglite', dataDir });
    await first.createBucket(aBucket('durable'));
    await first.close();

    // Act
    const second = await openMetadataStore({ backend: 'pglite', dataDir });
    const bucket = await second.getBucket('durable');
    await second.close();

    // Assess
    expect(bucket).toEqual(aBucket('durable'));
    expect((await stat(join(dataDir, 'metadata'))).isDirectory()).toBe(true);
  });

  it('refuses the postgres backend without a database URL', async () => {
    await expect(openMetadataStore({ backend: 'postgres' })).rejects.toThrow(/databaseUrl/);
  });
});
