import { openPgliteClient } from '../../../../shared/metadata/adapters/pglite-client.js';
import { describeSqlMetadataStoreContract } from '../../../support/metadata-contract.js';
import { describeAttributesContract } from '../../../support/metadata-contract-attributes.js';
import { describeVersionsContract } from '../../../support/metadata-contract-versions.js';

// One in-memory PGlite for the whole file: a cold start takes seconds.
describeSqlMetadataStoreContract('PGlite in memory', () => openPgliteClient(undefined));
describeAttributesContract('PGlite in memory', () => openPgliteClient(undefined));
describeVersionsContract('PGlite in memory', () => openPgliteClient(undefined));
