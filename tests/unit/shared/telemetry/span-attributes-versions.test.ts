import { describe, expect, it } from '@jest/globals';
import { ATTR_DB_COLLECTION_NAME } from '@opentelemetry/semantic-conventions';
import { ATTR_AWS_S3_BUCKET, ATTR_AWS_S3_KEY } from '@opentelemetry/semantic-conventions/incubating';
import { metadataSpanAttributes } from '../../../../shared/telemetry/span-attributes.js';

describe('metadata span attributes of the version calls', () => {
  it('name the object_versions table, the bucket and the key', () => {
    // Prepare
    const call = metadataSpanAttributes('pglite').call!;

    // Act
    const byId = call('getObjectVersion', ['b', 'k', 'v1']);
    const marker = call('putDeleteMarker', ['b', 'k', { lastModified: new Date() }]);
    const listing = call('listObjectVersions', [{ bucket: 'b', prefix: '', keyMarker: '', limit: 1 }]);

    // Assess
    expect(byId).toMatchObject({
      [ATTR_DB_COLLECTION_NAME]: 'object_versions',
      [ATTR_AWS_S3_BUCKET]: 'b',
      [ATTR_AWS_S3_KEY]: 'k',
    });
    expect(marker).toMatchObject({ [ATTR_DB_COLLECTION_NAME]: 'object_versions', [ATTR_AWS_S3_KEY]: 'k' });
    expect(listing).toMatchObject({
      [ATTR_DB_COLLECTION_NAME]: 'object_versions',
      [ATTR_AWS_S3_BUCKET]: 'b',
    });
  });
});
