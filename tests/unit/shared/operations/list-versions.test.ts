import { describe, expect, it } from '@jest/globals';
import type { ListVersionsQuery, MetadataStore, ObjectVersion } from '../../../../shared/metadata/ports.js';
import { listVersionsPage } from '../../../../shared/operations/list-versions.js';
import type { S3Services } from '../../../../shared/runtime/runtime.js';

const KEYS = Array.from({ length: 2500 }, (_, index) => `v/${String(index).padStart(5, '0')}`);

function aVersion(key: string): ObjectVersion {
  return {
    object: {
      bucket: 'b',
      key,
      size: 1,
      etag: '"e"',
      lastModified: new Date('2024-01-01T00:00:00Z'),
      headers: {},
      userMetadata: {},
      segments: [],
    },
    deleteMarker: false,
    isLatest: true,
  };
}

/** A store of one null version per key in KEYS that records every listObjectVersions query. */
function countingServices(): { services: S3Services; queries: ListVersionsQuery[] } {
  const queries: ListVersionsQuery[] = [];
  const metadata = {
    getBucket: async (name: string) => (name === 'b' ? { name, createdAt: new Date(0) } : undefined),
    listObjectVersions: async (query: ListVersionsQuery) => {
      queries.push(query);
      return KEYS.filter((key) => key > query.keyMarker && key.startsWith(query.prefix))
        .slice(0, query.limit)
        .map(aVersion);
    },
  } as Partial<MetadataStore> as MetadataStore;
  return { services: { metadata } as Partial<S3Services> as S3Services, queries };
}

describe('listVersionsPage', () => {
  it('answers a full page with more versions after it from one metadata query', async () => {
    const { services, queries } = countingServices();

    const page = await listVersionsPage(services, {
      bucket: 'b',
      prefix: 'v/',
      delimiter: '',
      keyMarker: '',
      maxKeys: 1000,
    });

    expect(page.versions).toHaveLength(1000);
    expect(page.isTruncated).toBe(true);
    expect(page.next).toEqual({ keyMarker: 'v/00999', versionIdMarker: 'null' });
    expect(queries).toHaveLength(1);
  });
});
