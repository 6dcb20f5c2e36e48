import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHandler } from '../../../../functions/admin/stats.js';
import { bodyBytes } from '../../../../layers/binary-body.js';
import type { ObjectRecord } from '../../../../shared/metadata/ports.js';
import { apiEvent, createUnitRuntime, type UnitRuntime, unitContext } from '../../../support/unit-runtime.js';

function aVersion(key: string, versionId: string, size: number): ObjectRecord {
  return {
    bucket: 'kept',
    key,
    size,
    etag: '"e"',
    lastModified: new Date('2026-01-02T03:04:05Z'),
    headers: {},
    userMetadata: {},
    segments: [{ blobId: `blob-${key}-${versionId}`, size }],
    versionId,
  };
}

describe('admin stats: versions', () => {
  let unit: UnitRuntime;

  beforeAll(async () => {
    unit = await createUnitRuntime();
    const { metadata } = unit.runtime.services;
    await metadata.createBucket({ name: 'kept', createdAt: new Date() });
    await metadata.setBucketVersioning('kept', 'Enabled');
    await metadata.putObject(aVersion('a', 'v1', 100), undefined, 'Enabled');
    await metadata.putObject(aVersion('a', 'v2', 20), undefined, 'Enabled');
    await metadata.putObject(aVersion('a', 'v3', 3), undefined, 'Enabled');
    await metadata.putObject(aVersion('b', 'v1', 7), undefined, 'Enabled');
    await metadata.putDeleteMarker('kept', 'b', { versionId: 'm1', lastModified: new Date() });
  });

  afterAll(async () => {
    await unit.runtime.close();
  });

  it('counts noncurrent versions, delete markers and their bytes beside the current objects', async () => {
    // Act
    const result = await createHandler(unit.runtime)(
      apiEvent({ method: 'GET', path: '/api/v1/admin/stats' }),
      unitContext('adminStats'),
    );
    const body = JSON.parse(bodyBytes(result).toString('utf8')) as Record<string, unknown>;

    // Assess
    expect(result.statusCode).toBe(200);
    expect(body.objects).toBe(1);
    expect(body.versions).toEqual({ noncurrent: 3, deleteMarkers: 1, bytes: 127, exact: true });
  });
});
