import { describe, expect, it } from '@jest/globals';
import { openMetadataStore } from '../../../shared/metadata/open-metadata-store.js';
import { DEFAULT_DATABASE_URL } from '../global-setup.js';

describe('openMetadataStore (PostgreSQL)', () => {
  it('migrates the database and returns a working store', async () => {
    // Prepare
    const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;

    // Act: other suites may migrate the same database at the same moment; the advisory lock copes.
    const [store, again] = await Promise.all([
      openMetadataStore({ backend: 'postgres', databaseUrl }),
      openMetadataStore({ backend: 'postgres', databaseUrl }),
    ]);

    // Assess
    expect(await store.getBucket(`never-created-${process.pid}`)).toBeUndefined();
    await Promise.all([store.close(), again.close()]);
  });
});
