import { openPgliteThreadClient } from '../../../../shared/metadata/adapters/pglite-thread-client.js';
import { describeSqlMetadataStoreContract } from '../../../support/metadata-contract.js';

const PGLITE_THREAD = new URL('../../../../shared/metadata/adapters/pglite-thread.ts', import.meta.url);

// The whole contract again, with PGlite on a worker thread as embedded mode runs it.
describeSqlMetadataStoreContract('PGlite on its own thread', () =>
  openPgliteThreadClient(undefined, PGLITE_THREAD),
);
