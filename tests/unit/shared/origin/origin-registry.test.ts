import { describe, expect, it } from '@jest/globals';
import { createMemoryConfigSource } from '../../../../shared/config/adapters/memory-config-source.js';
import { loadConfig } from '../../../../shared/config/env.js';
import { originKey } from '../../../../shared/origin/origin-config.js';
import { createOriginRegistry } from '../../../../shared/origin/origin-registry.js';
import type { OriginConfig } from '../../../../shared/origin/ports.js';

const NO_ENVIRONMENT = loadConfig({}).origin;

describe('createOriginRegistry', () => {
  it('starts from the stored origins and follows every change through the watch', async () => {
    // Prepare
    const source = createMemoryConfigSource({ [originKey('photos')]: { endpoint: 'http://a' } });
    const registry = await createOriginRegistry({ source, environment: NO_ENVIRONMENT });
    const seen: [string, OriginConfig | undefined][] = [];
    registry.onChange((bucket, config) => seen.push([bucket, config]));

    // Act
    const first = registry.originFor('photos')?.endpoint;
    await source.set(originKey('logs'), { endpoint: 'http://b', rps: 3 });
    await source.delete(originKey('photos'));

    // Assess
    expect(first).toBe('http://a');
    expect(registry.originFor('photos')).toBeUndefined();
    expect(registry.originFor('logs')).toMatchObject({ endpoint: 'http://b', rps: 3, source: 'stored' });
    expect(seen.map(([bucket, config]) => [bucket, config?.endpoint])).toEqual([
      ['logs', 'http://b'],
      ['photos', undefined],
    ]);
    await registry.close();
  });

  it('ignores an invalid stored value and keys that are not origins', async () => {
    // Prepare
    const source = createMemoryConfigSource({ 'http.retries': 3 });
    const registry = await createOriginRegistry({ source, environment: NO_ENVIRONMENT });

    // Act
    await source.set(originKey('photos'), { endpoint: 'not a url' });

    // Assess
    expect(registry.originFor('photos')).toBeUndefined();
    expect(registry.list()).toEqual([]);
    await registry.close();
  });

  it('serves the environment origin under every stored one, for * or the named buckets', async () => {
    // Prepare
    const named = loadConfig({ ORIGIN_ENDPOINT: 'http://env', ORIGIN_BUCKETS: 'photos,logs' }).origin;
    const every = loadConfig({ ORIGIN_ENDPOINT: 'http://env', ORIGIN_BUCKETS: '*' }).origin;
    const source = createMemoryConfigSource({ [originKey('logs')]: { endpoint: 'http://stored' } });

    // Act
    const registry = await createOriginRegistry({ source, environment: named });
    const wildcard = await createOriginRegistry({ source: createMemoryConfigSource(), environment: every });

    // Assess
    expect(registry.originFor('photos')).toMatchObject({
      endpoint: 'http://env',
      remoteBucket: 'photos',
      source: 'environment',
    });
    expect(registry.originFor('logs')).toMatchObject({ endpoint: 'http://stored', source: 'stored' });
    expect(registry.originFor('other')).toBeUndefined();
    expect(registry.list().map((origin) => [origin.bucket, origin.source])).toEqual([
      ['logs', 'stored'],
      ['photos', 'environment'],
    ]);
    expect(wildcard.originFor('anything')).toMatchObject({
      endpoint: 'http://env',
      remoteBucket: 'anything',
    });
    expect(wildcard.list()).toEqual([]);
    await Promise.all([registry.close(), wildcard.close()]);
  });
});
