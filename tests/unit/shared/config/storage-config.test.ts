import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../../../../shared/config/env.js';

const postgres = { METADATA_BACKEND: 'postgres', DATABASE_URL: 'postgres://127.0.0.1:5432/mock_s3' };

describe('STORAGE_FSYNC', () => {
  it('defaults to the metadata store durability: flushed with PostgreSQL, not with PGlite', () => {
    // Act
    const embedded = loadConfig({});
    const withPostgres = loadConfig(postgres);

    // Assess
    expect(embedded.storage.fsync).toBe(false);
    expect(withPostgres.storage.fsync).toBe(true);
  });

  it('takes either value from the environment whatever the metadata store', () => {
    // Act
    const flushedEmbedded = loadConfig({ STORAGE_FSYNC: 'true' });
    const unflushedStack = loadConfig({ ...postgres, STORAGE_FSYNC: 'off' });

    // Assess
    expect(flushedEmbedded.storage.fsync).toBe(true);
    expect(unflushedStack.storage.fsync).toBe(false);
  });

  it('rejects a value that is not a flag, naming the variable', () => {
    // Act
    const load = () => loadConfig({ STORAGE_FSYNC: 'sometimes' });

    // Assess
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/STORAGE_FSYNC/);
  });
});
