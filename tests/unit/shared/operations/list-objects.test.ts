import { describe, expect, it } from '@jest/globals';
import type { ListObjectsQuery, MetadataStore, ObjectRecord } from '../../../../shared/metadata/ports.js';
import { listObjectsPage } from '../../../../shared/operations/list-objects.js';
import type { S3Services } from '../../../../shared/runtime/runtime.js';

const KEYS = Array.from({ length: 2500 }, (_, index) => `list/${String(index).padStart(5, '0')}`);

function anObject(key: string): ObjectRecord {
  return {
    bucket: 'b',
    key,
    size: 1,
    etag: '"e"',
    lastModified: new Date('2024-01-01T00:00:00Z'),
    headers: {},
    userMetadata: {},
    segments: [],
  };
}

/** A store of KEYS that records every listObjects query it answers. */
function countingServices(): { services: S3Services; queries: ListObjectsQuery[] } {
  const queries: ListObjectsQuery[] = [];
  const metadata = {
    getBucket: async (name: string) => (name === 'b' ? { name, createdAt: new Date(0) } : undefined),
    listObjects: async (query: ListObjectsQuery) => {
      queries.push(query);
      return KEYS.filter((key) => key > query.after && key.startsWith(query.prefix))
        .slice(0, query.limit)
        .map(anObject);
    },
  } as Partial<MetadataStore> as MetadataStore;
  return { services: { metadata } as Partial<S3Services> as S3Services, queries };
}

const page = (after: string, maxKeys: number) => ({
  bucket: 'b',
  prefix: 'list/',
  delimiter: '',
  after,
  afterIsPrefix: false,
  maxKeys,
});

describe('listObjectsPage', () => {
  it('answers a full page with more keys after it from one metadata query', async () => {
    const { services, queries } = countingServices();

    const listed = await listObjectsPage(services, page('', 1000));

    expect(listed.objects).toHaveLength(1000);
    expect(listed.isTruncated).toBe(true);
    expect(listed.last).toEqual({ value: 'list/00999', isPrefix: false });
    expect(queries).toHaveLength(1);
  });

  it('answers the last page, not truncated, from one metadata query', async () => {
    const { services, queries } = countingServices();

    const listed = await listObjectsPage(services, page('list/01999', 1000));

    expect(listed.objects).toHaveLength(500);
    expect(listed.isTruncated).toBe(false);
    expect(queries).toHaveLength(1);
  });

  it('marks a page truncated when exactly max-keys more keys follow', async () => {
    const { services } = countingServices();

    const listed = await listObjectsPage(services, page('list/01499', 1000));

    expect(listed.objects).toHaveLength(1000);
    expect(listed.isTruncated).toBe(false);
  });
});
