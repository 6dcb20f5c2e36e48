import { beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { MetadataStore, ObjectRecord, ObjectVersion } from '../../shared/metadata/ports.js';
import type { SqlClient } from '../../shared/metadata/sql-client.js';
import { aBucket, anObject, anUpload } from './metadata-contract.js';
import { migratedStoreFor } from './migrated-store.js';

const SAME_MS = new Date('2024-05-06T07:08:09.010Z');

/** A version of `key` whose blob is named after its version id, all written in the same millisecond. */
function aVersion(key: string, versionId: string | undefined, overrides: Partial<ObjectRecord> = {}) {
  const name = versionId ?? 'null';
  return anObject('b', key, {
    lastModified: SAME_MS,
    segments: [{ blobId: `blob-${key}-${name}`, size: 10 }],
    ...(versionId !== undefined ? { versionId } : {}),
    ...overrides,
  });
}

/** What a listing says of each version: `key@id` plus `*` for the latest and `(m)` for a marker. */
function summary(versions: ObjectVersion[]): string[] {
  return versions.map(
    (v) =>
      `${v.object.key}@${v.object.versionId ?? 'null'}${v.deleteMarker ? '(m)' : ''}${v.isLatest ? '*' : ''}`,
  );
}

/**
 * The behaviour every SQL backend must have for versions (migration 5): noncurrent versions and
 * delete markers beside the current object, their order, removal and promotion, and their blobs.
 */
export function describeVersionsContract(label: string, openClient: () => Promise<SqlClient>): void {
  describe(`MetadataStore versions contract (${label})`, () => {
    let store: MetadataStore;
    const all = (prefix = '') =>
      store.listObjectVersions({ bucket: 'b', prefix, keyMarker: '', limit: 100 }).then(summary);

    const opened = migratedStoreFor(openClient);
    beforeAll(() => {
      ({ store } = opened());
    });

    beforeEach(async () => {
      await store.reset();
      await store.createBucket(aBucket('b'));
    });

    it('keeps the current version as noncurrent when a versioned write replaces it, in write order', async () => {
      // Prepare
      const [v1, v2, v3] = [aVersion('k', 'v1'), aVersion('k', 'v2'), aVersion('k', 'v3')];

      // Act
      const replaced = [
        await store.putObject(v1, undefined, 'Enabled'),
        await store.putObject(v2, undefined, 'Enabled'),
        await store.putObject(v3, undefined, 'Enabled'),
      ];

      // Assess
      expect(replaced).toEqual([undefined, undefined, undefined]);
      expect(await store.getObject('b', 'k')).toEqual(v3);
      expect(await store.getObjectVersion('b', 'k', 'v1')).toEqual({
        object: v1,
        deleteMarker: false,
        isLatest: false,
      });
      expect((await store.getObjectVersion('b', 'k', 'v3'))?.isLatest).toBe(true);
      expect(await store.getObjectVersion('b', 'k', 'v9')).toBeUndefined();
      expect(await all()).toEqual(['k@v3*', 'k@v2', 'k@v1']);
      expect(await store.listObjects({ bucket: 'b', prefix: '', after: '', limit: 10 })).toEqual([v3]);
    });

    it('keeps an unversioned null object as a noncurrent version once versioning is enabled', async () => {
      // Prepare
      const original = aVersion('k', undefined);
      await store.putObject(original);

      // Act
      await store.putObject(aVersion('k', 'v1'), undefined, 'Enabled');

      // Assess
      expect(await all()).toEqual(['k@v1*', 'k@null']);
      expect((await store.getObjectVersion('b', 'k', 'null'))?.object).toEqual(original);
    });

    it('overwrites the null version in a suspended bucket wherever it is, keeping the others', async () => {
      // Prepare
      const firstNull = aVersion('k', undefined, { etag: '"1"' });
      await store.putObject(firstNull, undefined, 'Suspended');
      await store.putObject(aVersion('k', 'v1'), undefined, 'Enabled');

      // Act
      const secondNull = aVersion('k', undefined, {
        etag: '"2"',
        segments: [{ blobId: 'blob-null-2', size: 10 }],
      });
      const replacedNoncurrent = await store.putObject(secondNull, undefined, 'Suspended');
      const thirdNull = aVersion('k', undefined, {
        etag: '"3"',
        segments: [{ blobId: 'blob-null-3', size: 10 }],
      });
      const replacedCurrent = await store.putObject(thirdNull, undefined, 'Suspended');

      // Assess
      expect(replacedNoncurrent).toEqual(firstNull);
      expect(replacedCurrent).toEqual(secondNull);
      expect(await all()).toEqual(['k@null*', 'k@v1']);
      expect(await store.getObject('b', 'k')).toEqual(thirdNull);
      expect(await store.referencedBlobs(['blob-k-null', 'blob-null-2', 'blob-null-3', 'blob-k-v1'])).toEqual(
        new Set(['blob-null-3', 'blob-k-v1']),
      );
    });

    it('hides the current object behind a delete marker, which is then the latest version', async () => {
      // Prepare
      const v1 = aVersion('k', 'v1');
      await store.putObject(v1, undefined, 'Enabled');

      // Act
      const outcome = await store.putDeleteMarker('b', 'k', { versionId: 'm1', lastModified: SAME_MS });

      // Assess
      expect(outcome).toEqual({ replaced: undefined });
      expect(await store.getObject('b', 'k')).toBeUndefined();
      expect(await store.listObjects({ bucket: 'b', prefix: '', after: '', limit: 10 })).toEqual([]);
      const latest = await store.latestVersion('b', 'k');
      expect(latest).toMatchObject({ deleteMarker: true, isLatest: true });
      expect(latest?.object).toMatchObject({ key: 'k', versionId: 'm1', lastModified: SAME_MS, size: 0 });
      expect(await store.latestVersion('b', 'missing')).toBeUndefined();
      expect(await all()).toEqual(['k@m1(m)*', 'k@v1']);
      expect((await store.getObjectVersion('b', 'k', 'm1'))?.deleteMarker).toBe(true);
    });

    it('has no latest noncurrent version while the current object exists', async () => {
      // Prepare
      await store.putObject(aVersion('k', 'v1'), undefined, 'Enabled');
      await store.putObject(aVersion('k', 'v2'), undefined, 'Enabled');

      // Act
      const latest = await store.latestVersion('b', 'k');

      // Assess
      expect(latest).toBeUndefined();
    });

    it('puts a null delete marker in a suspended bucket, removing the null object version', async () => {
      // Prepare
      const nullObject = aVersion('k', undefined);
      await store.putObject(nullObject);

      // Act
      const outcome = await store.putDeleteMarker('b', 'k', { lastModified: SAME_MS });
      const again = await store.putDeleteMarker('b', 'k', { lastModified: SAME_MS });

      // Assess
      expect(outcome).toEqual({ replaced: nullObject });
      expect(again).toEqual({ replaced: undefined });
      expect(await all()).toEqual(['k@null(m)*']);
    });

    it('makes the next newest version current when the current one is deleted for good', async () => {
      // Prepare
      const v1 = aVersion('k', 'v1');
      const v2 = aVersion('k', 'v2');
      await store.putObject(v1, undefined, 'Enabled');
      await store.putObject(v2, undefined, 'Enabled');

      // Act
      const removed = await store.deleteObjectVersion('b', 'k', 'v2');

      // Assess
      expect(removed).toEqual({ object: v2, deleteMarker: false, isLatest: true });
      expect(await store.getObject('b', 'k')).toEqual(v1);
      expect(await all()).toEqual(['k@v1*']);
      expect(await store.referencedBlobs(['blob-k-v1', 'blob-k-v2'])).toEqual(new Set(['blob-k-v1']));
    });

    it('brings the object back when its delete marker is deleted, and not when an older marker hides it', async () => {
      // Prepare
      const v1 = aVersion('k', 'v1');
      await store.putObject(v1, undefined, 'Enabled');
      await store.putDeleteMarker('b', 'k', { versionId: 'm1', lastModified: SAME_MS });
      await store.putDeleteMarker('b', 'k', { versionId: 'm2', lastModified: SAME_MS });

      // Act
      const latestMarker = await store.deleteObjectVersion('b', 'k', 'm2');
      const stillHidden = await store.getObject('b', 'k');
      const olderMarker = await store.deleteObjectVersion('b', 'k', 'm1');

      // Assess
      expect(latestMarker).toMatchObject({ deleteMarker: true, isLatest: true });
      expect(stillHidden).toBeUndefined();
      expect(olderMarker).toMatchObject({ deleteMarker: true, isLatest: true });
      expect(await store.getObject('b', 'k')).toEqual(v1);
      expect(await all()).toEqual(['k@v1*']);
    });

    it('deletes a noncurrent version without touching the current one', async () => {
      // Prepare
      await store.putObject(aVersion('k', 'v1'), undefined, 'Enabled');
      await store.putObject(aVersion('k', 'v2'), undefined, 'Enabled');
      await store.putObject(aVersion('k', 'v3'), undefined, 'Enabled');

      // Act
      const removed = await store.deleteObjectVersion('b', 'k', 'v2');
      const missing = await store.deleteObjectVersion('b', 'k', 'v2');

      // Assess
      expect(removed).toMatchObject({ deleteMarker: false, isLatest: false });
      expect(missing).toBeUndefined();
      expect(await all()).toEqual(['k@v3*', 'k@v1']);
    });

    it('lists keys in byte order, newest first within a key, and pages by key and version id markers', async () => {
      // Prepare
      for (const [key, id] of [
        ['a', 'a1'],
        ['b/x', 'b1'],
        ['a', 'a2'],
        ['b/x', 'b2'],
        ['c', 'c1'],
      ] as const) {
        await store.putObject(aVersion(key, id), undefined, 'Enabled');
      }
      await store.putDeleteMarker('b', 'a', { versionId: 'am', lastModified: SAME_MS });

      // Act
      const page = (keyMarker: string, versionIdMarker?: string, limit = 100, prefix = '') =>
        store
          .listObjectVersions({
            bucket: 'b',
            prefix,
            keyMarker,
            limit,
            ...(versionIdMarker ? { versionIdMarker } : {}),
          })
          .then(summary);

      // Assess
      expect(await page('')).toEqual(['a@am(m)*', 'a@a2', 'a@a1', 'b/x@b2*', 'b/x@b1', 'c@c1*']);
      expect(await page('', undefined, 2)).toEqual(['a@am(m)*', 'a@a2']);
      expect(await page('a', 'a2')).toEqual(['a@a1', 'b/x@b2*', 'b/x@b1', 'c@c1*']);
      expect(await page('b/x', 'b2', 1)).toEqual(['b/x@b1']);
      expect(await page('a')).toEqual(['b/x@b2*', 'b/x@b1', 'c@c1*']);
      expect(await page('', undefined, 100, 'b/')).toEqual(['b/x@b2*', 'b/x@b1']);
    });

    it('keeps noncurrent blobs referenced for reconcile until their version is deleted', async () => {
      // Prepare
      await store.putObject(aVersion('k', 'v1'), undefined, 'Enabled');
      await store.putObject(aVersion('k', 'v2'), undefined, 'Enabled');

      // Act
      const before = await store.listReferencedBlobs('', 10);
      await store.deleteObjectVersion('b', 'k', 'v1');
      const after = await store.listReferencedBlobs('', 10);

      // Assess
      expect(before).toEqual(['blob-k-v1', 'blob-k-v2']);
      expect(after).toEqual(['blob-k-v2']);
    });

    it('refuses to delete a bucket while a version or a delete marker remains', async () => {
      // Prepare
      await store.putObject(aVersion('k', 'v1'), undefined, 'Enabled');
      await store.putDeleteMarker('b', 'k', { versionId: 'm1', lastModified: SAME_MS });

      // Act
      const withBoth = await store.deleteBucket('b');
      await store.deleteObjectVersion('b', 'k', 'v1');
      const withMarker = await store.deleteBucket('b');
      await store.deleteObjectVersion('b', 'k', 'm1');
      const empty = await store.deleteBucket('b');

      // Assess
      expect([withBoth, withMarker, empty]).toEqual(['not_empty', 'not_empty', 'deleted']);
    });

    it('changes the tags of a noncurrent version only', async () => {
      // Prepare
      await store.putObject(aVersion('k', 'v1'), undefined, 'Enabled');
      await store.putObject(aVersion('k', 'v2'), undefined, 'Enabled');
      await store.putDeleteMarker('b', 'k', { versionId: 'm1', lastModified: SAME_MS });

      // Act
      const updated = await store.updateObjectAttributes('b', 'k', 'v1', {
        tags: [{ key: 't', value: '1' }],
      });
      const marker = await store.updateObjectAttributes('b', 'k', 'm1', { tags: [] });

      // Assess
      expect(updated?.tags).toEqual([{ key: 't', value: '1' }]);
      expect(marker).toBeUndefined();
      expect((await store.getObjectVersion('b', 'k', 'v1'))?.object.tags).toEqual([{ key: 't', value: '1' }]);
      expect((await store.getObjectVersion('b', 'k', 'v2'))?.object.tags).toBeUndefined();
    });

    it('checks a write condition against the current object: a delete marker makes the key absent', async () => {
      // Prepare
      await store.putObject(aVersion('k', 'v1'), undefined, 'Enabled');

      // Act
      const whileCurrent = store.putObject(aVersion('k', 'v2'), { type: 'absent' }, 'Enabled');
      await expect(whileCurrent).rejects.toMatchObject({ failure: 'exists' });
      await store.putDeleteMarker('b', 'k', { versionId: 'm1', lastModified: SAME_MS });
      await store.putObject(aVersion('k', 'v3'), { type: 'absent' }, 'Enabled');

      // Assess
      expect(await all()).toEqual(['k@v3*', 'k@m1(m)', 'k@v1']);
    });

    it('completes an upload as a new version, keeping the previous one', async () => {
      // Prepare
      await store.putObject(aVersion('k', 'v1'), undefined, 'Enabled');
      await store.createUpload(anUpload('b', 'k', 'u1'));

      // Act
      const outcome = await store.completeUpload('u1', aVersion('k', 'v2'), undefined, 'Enabled');

      // Assess
      expect(outcome).toEqual({ replaced: undefined, unusedParts: [] });
      expect(await all()).toEqual(['k@v2*', 'k@v1']);
    });

    it('counts noncurrent versions, markers and their bytes up to a limit', async () => {
      // Prepare
      await store.putObject(aVersion('k', 'v1', { size: 7 }), undefined, 'Enabled');
      await store.putObject(aVersion('k', 'v2', { size: 5 }), undefined, 'Enabled');
      await store.putObject(aVersion('k', 'v3'), undefined, 'Enabled');
      await store.putDeleteMarker('b', 'k', { versionId: 'm1', lastModified: SAME_MS });

      // Act
      const stats = await store.noncurrentVersionStats(100);
      const capped = await store.noncurrentVersionStats(2);

      // Assess
      expect(stats).toEqual({ versions: 3, deleteMarkers: 1, bytes: 22, exact: true });
      expect(capped.exact).toBe(false);
      expect(capped.versions + capped.deleteMarkers).toBe(2);
    });

    it('keeps every version when writers of one key race, with exactly one current', async () => {
      // Prepare
      const ids = Array.from({ length: 8 }, (_, index) => `r${index}`);

      // Act
      await Promise.all([
        ...ids.map((id) => store.putObject(aVersion('k', id), undefined, 'Enabled')),
        store.putDeleteMarker('b', 'k', { versionId: 'rm', lastModified: SAME_MS }),
      ]);

      // Assess
      const listed = await all();
      expect(listed).toHaveLength(9);
      expect(listed.filter((entry) => entry.endsWith('*'))).toHaveLength(1);
      expect(new Set(listed.map((entry) => entry.replace('*', '')))).toEqual(
        new Set([...ids.map((id) => `k@${id}`), 'k@rm(m)']),
      );
    });

    it('answers NoSuchBucket for a versioned write into a missing bucket', async () => {
      // Act
      const put = store.putObject(anObject('gone', 'k', { versionId: 'v1' }), undefined, 'Enabled');
      const marker = store.putDeleteMarker('gone', 'k', { versionId: 'm1', lastModified: SAME_MS });

      // Assess
      await expect(put).rejects.toMatchObject({ code: 'NoSuchBucket' });
      await expect(marker).rejects.toMatchObject({ code: 'NoSuchBucket' });
    });
  });
}
