import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHandler } from '../../../../functions/admin/stats.js';
import { bodyBytes } from '../../../../layers/binary-body.js';
import { createMemoryConfigSource } from '../../../../shared/config/adapters/memory-config-source.js';
import { originKey } from '../../../../shared/origin/origin-config.js';
import { createOriginRegistry } from '../../../../shared/origin/origin-registry.js';
import type { OriginDirectory, OriginFallback, OriginStatus } from '../../../../shared/origin/ports.js';
import { apiEvent, createUnitRuntime, type UnitRuntime, unitContext } from '../../../support/unit-runtime.js';

const SECRET = 'stats-origin-secret';

describe('admin stats: origins', () => {
  let unit: UnitRuntime;
  let origins: OriginDirectory;

  beforeAll(async () => {
    unit = await createUnitRuntime();
    const source = createMemoryConfigSource({
      [originKey('archive')]: {
        endpoint: 'http://127.0.0.1:4568',
        credentials: { accessKeyId: 'AKIAORIGIN', secretAccessKey: SECRET },
      },
    });
    origins = await createOriginRegistry({
      source,
      environment: {
        endpoint: 'http://127.0.0.1:4569',
        buckets: ['legacy'],
        kind: 'http',
        credentials: undefined,
      },
    });
  });

  afterAll(async () => {
    await origins.close();
    await unit.runtime.close();
  });

  async function stats(fallback: OriginFallback | undefined) {
    const handler = createHandler({
      ...unit.runtime,
      config: {
        ...unit.runtime.config,
        origin: {
          endpoint: 'http://127.0.0.1:4569',
          buckets: ['legacy'],
          kind: 'http',
          credentials: undefined,
        },
      },
      origins,
      services: { ...unit.runtime.services, origin: fallback },
    });
    const result = await handler(
      apiEvent({ method: 'GET', path: '/api/v1/admin/stats' }),
      unitContext('adminStats'),
    );
    const text = bodyBytes(result).toString('utf8');
    return { status: result.statusCode, text, body: JSON.parse(text) as { origins: unknown[] } };
  }

  it("shows each origin with this process's breaker state and counters, never its credentials", async () => {
    // Prepare
    const open: OriginStatus = {
      breaker: 'open',
      fetches: 9,
      failures: 5,
      lastError: 'ECONNREFUSED',
      negativeEntries: 0,
    };
    const closed: OriginStatus = { breaker: 'closed', fetches: 3, failures: 0, negativeEntries: 2 };
    const fallback: OriginFallback = {
      fetchMissing: async () => undefined,
      status: (bucket) => (bucket === 'archive' ? open : closed),
      close: async () => {},
    };

    // Act
    const answer = await stats(fallback);

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body.origins).toEqual([
      { bucket: 'archive', endpoint: 'http://127.0.0.1:4568', kind: 's3', source: 'stored', ...open },
      { bucket: 'legacy', endpoint: 'http://127.0.0.1:4569', kind: 'http', source: 'environment', ...closed },
    ]);
    expect(answer.text).not.toContain(SECRET);
  });

  it('lists the origins without counters on a host without origin fallback', async () => {
    // Act
    const answer = await stats(undefined);

    // Assess
    expect(answer.body.origins).toEqual([
      { bucket: 'archive', endpoint: 'http://127.0.0.1:4568', kind: 's3', source: 'stored' },
      { bucket: 'legacy', endpoint: 'http://127.0.0.1:4569', kind: 'http', source: 'environment' },
    ]);
  });
});
