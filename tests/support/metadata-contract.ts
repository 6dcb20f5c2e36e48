import { beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { MIGRATIONS, migrate } from '../../shared/metadata/migrations.js';
import type {
  BucketRecord,
  MetadataStore,
  ObjectRecord,
  PartRecord,
  UploadRecord,
} from '../../shared/metadata/ports.js';
import { WriteConditionFailedError } from '../../shared/metadata/ports.js';
import type { SqlClient } from '../../shared/metadata/sql-client.js';
import { S3Error } from '../../shared/s3/errors.js';
import { migratedStoreFor } from './migrated-store.js';
import { KEY_EXAMPLES, KEY_PROPERTY_SEED, s3Key, withLeadingBom } from './s3-keys.js';

/**
 * The behaviour every SQL backend of MetadataStore must have. `openClient` returns a client on an
 * empty database (or schema) that nothing else uses; the suite migrates it, resets it before each
 * test and closes it at the end.
 */
export function describeSqlMetadataStoreContract(label: string, openClient: () => Promise<SqlClient>): void {
  describe(`MetadataStore contract (${label})`, () => {
    let client: SqlClient;
    let store: MetadataStore;

    const opened = migratedStoreFor(openClient);
    beforeAll(() => {
      ({ client, store } = opened());
    });

    beforeEach(async () => {
      await store.reset();
    });

    describe('migrations', () => {
      it('applies nothing when run again', async () => {
        // Act
        const applied = await migrate(client);

        // Assess
        expect(applied).toEqual([]);
        const rows = await client.query<{ version: number }>(
          'SELECT version FROM schema_migrations ORDER BY version',
        );
        expect(rows.map((row) => Number(row.version))).toEqual(
          MIGRATIONS.map((migration) => migration.version),
        );
      });

      it('applies nothing when two runs race', async () => {
        // Act
        const results = await Promise.all([migrate(client), migrate(client)]);

        // Assess
        expect(results).toEqual([[], []]);
      });
    });

    describe('buckets', () => {
      it('creates a bucket once and reports it exists afterwards', async () => {
        // Prepare
        const bucket = aBucket('photos');

        // Act
        const first = await store.createBucket(bucket);
        const second = await store.createBucket(aBucket('photos', new Date('2030-01-01T00:00:00.000Z')));

        // Assess
        expect([first, second]).toEqual(['created', 'exists']);
        expect(await store.getBucket('photos')).toEqual(bucket);
      });

      it('returns undefined for a missing bucket', async () => {
        expect(await store.getBucket('nope')).toBeUndefined();
      });

      it('lists buckets in byte order of name', async () => {
        // Prepare
        for (const name of ['zeta', 'alpha', 'alpha-2', 'b.c']) await store.createBucket(aBucket(name));

        // Act
        const names = (await store.listBuckets()).map((bucket) => bucket.name);

        // Assess
        expect(names).toEqual(['alpha', 'alpha-2', 'b.c', 'zeta']);
      });

      it('deletes an empty bucket, then reports it missing', async () => {
        // Prepare
        await store.createBucket(aBucket('gone'));

        // Act
        const first = await store.deleteBucket('gone');
        const second = await store.deleteBucket('gone');

        // Assess
        expect([first, second]).toEqual(['deleted', 'missing']);
        expect(await store.getBucket('gone')).toBeUndefined();
      });

      it('refuses to delete a bucket that holds an object', async () => {
        // Prepare
        await store.createBucket(aBucket('full'));
        await store.putObject(anObject('full', 'k'));

        // Act
        const outcome = await store.deleteBucket('full');

        // Assess
        expect(outcome).toBe('not_empty');
        expect(await store.getBucket('full')).toBeDefined();
        expect(await store.getObject('full', 'k')).toBeDefined();
      });

      it('drops in-progress uploads and their parts with the bucket', async () => {
        // Prepare
        await store.createBucket(aBucket('b'));
        await store.createUpload(anUpload('b', 'k', 'up-1'));
        await store.putPart(aPart('up-1', 1, 'blob-part-1'));

        // Act
        const outcome = await store.deleteBucket('b');

        // Assess
        expect(outcome).toBe('deleted');
        expect(await store.listParts('up-1')).toEqual([]);
        expect(await store.referencedBlobs(['blob-part-1'])).toEqual(new Set());
        await store.createBucket(aBucket('b'));
        expect(await store.getUpload('b', 'k', 'up-1')).toBeUndefined();
      });
    });

    describe('conditional writes', () => {
      beforeEach(async () => {
        await store.createBucket(aBucket('b'));
      });

      it('writes with condition "absent" only where no object is', async () => {
        // Prepare
        const existing = anObject('b', 'taken', { etag: '"old"' });
        await store.putObject(existing);

        // Act
        const created = await store.putObject(anObject('b', 'free', { etag: '"new"' }), { type: 'absent' });
        const refused = store.putObject(anObject('b', 'taken', { etag: '"new"' }), { type: 'absent' });

        // Assess
        expect(created).toBeUndefined();
        expect((await store.getObject('b', 'free'))?.etag).toBe('"new"');
        await expect(refused).rejects.toEqual(new WriteConditionFailedError('exists'));
        expect(await store.getObject('b', 'taken')).toEqual(existing);
      });

      it('writes with condition "etag" only over the object of that ETag', async () => {
        // Prepare
        const existing = anObject('b', 'k', { etag: '"v1"' });
        await store.putObject(existing);

        // Act
        const differs = store.putObject(anObject('b', 'k', { etag: '"v2"' }), { type: 'etag', etag: '"v0"' });
        const missing = store.putObject(anObject('b', 'none', { etag: '"v2"' }), { type: 'etag', etag: '*' });
        const second = anObject('b', 'k', { etag: '"v2"', segments: [{ blobId: 'blob-v2', size: 1 }] });
        const replaced = await store.putObject(second, { type: 'etag', etag: 'v1' });

        // Assess
        await expect(differs).rejects.toEqual(new WriteConditionFailedError('etag_differs'));
        await expect(missing).rejects.toEqual(new WriteConditionFailedError('missing'));
        expect(replaced).toEqual(existing);
        expect(await store.getObject('b', 'k')).toEqual(second);
        expect(await store.getObject('b', 'none')).toBeUndefined();
        expect(await store.referencedBlobs([existing.segments[0]!.blobId])).toEqual(new Set());
      });

      it('lets exactly one of many concurrent "absent" writes of a key commit', async () => {
        // Prepare
        const writers = Array.from({ length: 8 }, (_, n) =>
          anObject('b', 'race', { etag: `"writer-${n}"`, segments: [{ blobId: `blob-race-${n}`, size: 1 }] }),
        );

        // Act
        const outcomes = await Promise.allSettled(
          writers.map((object) => store.putObject(object, { type: 'absent' })),
        );

        // Assess
        const won = outcomes.flatMap((outcome, n) => (outcome.status === 'fulfilled' ? [n] : []));
        expect(won).toHaveLength(1);
        for (const outcome of outcomes.filter((o) => o.status === 'rejected'))
          expect(outcome.reason).toEqual(new WriteConditionFailedError('exists'));
        expect((await store.getObject('b', 'race'))?.etag).toBe(`"writer-${won[0]}"`);
      });

      it('refuses a conditional completion and leaves the upload, its parts and the object as they were', async () => {
        // Prepare
        const existing = anObject('b', 'k', { etag: '"old"' });
        await store.putObject(existing);
        await store.createUpload(anUpload('b', 'k', 'up-1'));
        const part = aPart('up-1', 1, 'blob-p1');
        await store.putPart(part);
        const object = anObject('b', 'k', { etag: '"mp-1"', segments: [{ blobId: 'blob-p1', size: 10 }] });

        // Act
        const refused = store.completeUpload('up-1', object, { type: 'absent' });

        // Assess
        await expect(refused).rejects.toEqual(new WriteConditionFailedError('exists'));
        expect(await store.getObject('b', 'k')).toEqual(existing);
        expect(await store.listParts('up-1')).toEqual([part]);
        const completed = await store.completeUpload('up-1', object, { type: 'etag', etag: '"old"' });
        expect(completed.replaced).toEqual(existing);
        expect(await store.getObject('b', 'k')).toEqual(object);
      });

      it('keeps the upload and part numbers an object was completed with', async () => {
        // Prepare
        await store.createUpload(anUpload('b', 'k', 'up-1'));
        await store.putPart(aPart('up-1', 2, 'blob-p2'));
        const object = anObject('b', 'k', {
          etag: '"mp-1"',
          segments: [{ blobId: 'blob-p2', size: 10 }],
          partsCount: 1,
          completedUpload: { uploadId: 'up-1', partNumbers: [2] },
        });

        // Act
        await store.completeUpload('up-1', object);

        // Assess
        expect(await store.getObject('b', 'k')).toEqual(object);
        expect(await store.listObjects({ bucket: 'b', prefix: '', after: '', limit: 10 })).toEqual([object]);
      });
    });

    describe('keys round-trip byte for byte', () => {
      beforeEach(async () => {
        await store.createBucket(aBucket('b'));
      });

      it('completes an upload of "\uFEFFvictim" without touching the object "victim"', async () => {
        // Prepare
        const victim = anObject('b', 'victim', { etag: '"victim"' });
        await store.putObject(victim);
        await store.createUpload(anUpload('b', '\uFEFFvictim', 'up-bom'));
        await store.putPart(aPart('up-bom', 1, 'blob-bom-part'));
        const upload = await store.getUpload('b', '\uFEFFvictim', 'up-bom');

        // Act: the operation builds the object from the upload's key, as CompleteMultipartUpload does.
        const completed = await store.completeUpload(
          'up-bom',
          anObject('b', upload?.key ?? '', {
            etag: '"bom"',
            segments: [{ blobId: 'blob-bom-part', size: 10 }],
          }),
        );

        // Assess
        expect(upload?.key).toBe('\uFEFFvictim');
        expect(completed.replaced).toBeUndefined();
        expect(await store.getObject('b', 'victim')).toEqual(victim);
        expect((await store.getObject('b', '\uFEFFvictim'))?.etag).toBe('"bom"');
      });

      it('gives back every random Unicode key as stored: put, get, list, multipart, delete', async () => {
        let run = 0;
        await fc.assert(
          fc.asyncProperty(s3Key, async (key) => {
            // Prepare: the key and its U+FEFF twin, two objects that must stay apart.
            run += 1;
            const twin = withLeadingBom(key);
            const uploadId = `up-${run}`;
            const single = anObject('b', key, {
              etag: '"single"',
              segments: [{ blobId: `blob-${run}`, size: 1 }],
            });

            // Act and assess: each operation that carries a key gives it back unchanged.
            expect(await store.putObject(single)).toBeUndefined();
            expect(await store.getObject('b', key)).toEqual(single);
            const listed = await store.listObjects({ bucket: 'b', prefix: key, after: '', limit: 1000 });
            expect(listed.map((object) => object.key)).toContain(key);
            await store.createUpload(anUpload('b', twin, uploadId));
            const upload = await store.getUpload('b', twin, uploadId);
            expect(upload?.key).toBe(twin);
            const uploads = await store.listUploads({
              bucket: 'b',
              prefix: twin,
              keyMarker: '',
              uploadIdMarker: '',
              limit: 1000,
            });
            expect(uploads.map((found) => found.key)).toEqual([twin]);
            await store.putPart(aPart(uploadId, 1, `blob-part-${run}`));
            const multipart = anObject('b', upload?.key ?? '', {
              etag: '"multipart-1"',
              segments: [{ blobId: `blob-part-${run}`, size: 5 }],
            });
            expect((await store.completeUpload(uploadId, multipart)).replaced).toBeUndefined();
            expect(await store.getObject('b', key)).toEqual(single);
            expect(await store.getObject('b', twin)).toEqual(multipart);
            expect((await store.deleteObject('b', twin))?.key).toBe(twin);
            expect((await store.deleteObject('b', key))?.key).toBe(key);
          }),
          { seed: KEY_PROPERTY_SEED, numRuns: 40, examples: KEY_EXAMPLES },
        );
      });
    });

    describe('objects', () => {
      beforeEach(async () => {
        await store.createBucket(aBucket('b'));
      });

      it('stores an object and reads back every field, dates to the millisecond', async () => {
        // Prepare
        const object = anObject('b', 'dir/file.txt', {
          size: 5 * 2 ** 40,
          lastModified: new Date('2024-05-06T07:08:09.123Z'),
          headers: {
            contentType: 'text/plain',
            cacheControl: 'no-cache',
            expires: 'Wed, 21 Oct 2015 07:28:00 GMT',
          },
          userMetadata: { color: 'blue', 'with-dash': 'ünïcode' },
          checksum: { algorithm: 'CRC64NVME', value: 'AAAAAAAAAAA=', type: 'FULL_OBJECT' },
          segments: [
            { blobId: 'blob-1', size: 3 * 2 ** 40 },
            { blobId: 'blob-2', size: 2 * 2 ** 40 },
          ],
          partsCount: 2,
        });

        // Act
        const replaced = await store.putObject(object);
        const read = await store.getObject('b', 'dir/file.txt');

        // Assess
        expect(replaced).toBeUndefined();
        expect(read).toEqual(object);
        expect(read?.lastModified.getTime()).toBe(Date.parse('2024-05-06T07:08:09.123Z'));
      });

      it('leaves optional fields out when they were not set', async () => {
        // Prepare
        await store.putObject(anObject('b', 'plain'));

        // Act
        const read = await store.getObject('b', 'plain');

        // Assess
        expect(read).toBeDefined();
        expect('checksum' in (read as ObjectRecord)).toBe(false);
        expect('partsCount' in (read as ObjectRecord)).toBe(false);
      });

      it('returns the record a put replaced', async () => {
        // Prepare
        const first = anObject('b', 'k', { etag: '"one"', segments: [{ blobId: 'blob-old', size: 1 }] });
        const second = anObject('b', 'k', {
          etag: '"two"',
          segments: [{ blobId: 'blob-new', size: 2 }],
          size: 2,
        });
        await store.putObject(first);

        // Act
        const replaced = await store.putObject(second);

        // Assess
        expect(replaced).toEqual(first);
        expect(await store.getObject('b', 'k')).toEqual(second);
        expect(await store.referencedBlobs(['blob-old', 'blob-new'])).toEqual(new Set(['blob-new']));
      });

      it('gives every concurrent put of one key a distinct replaced record', async () => {
        // Prepare
        const versions = Array.from({ length: 6 }, (_, i) => anObject('b', 'race', { etag: `"v${i}"` }));

        // Act
        const replaced = await Promise.all(versions.map((object) => store.putObject(object)));

        // Assess
        const replacedEtags = replaced.map((record) => record?.etag);
        expect(replacedEtags.filter((etag) => etag === undefined)).toHaveLength(1);
        const final = await store.getObject('b', 'race');
        // Each version is replaced exactly once, except the one that is still there.
        const expected = versions.map((object) => object.etag).filter((etag) => etag !== final?.etag);
        expect(replacedEtags.filter((etag) => etag !== undefined).sort()).toEqual(expected.sort());
      });

      it('gives concurrent puts of distinct keys each their own replaced record and blob links', async () => {
        // Prepare
        const keys = Array.from({ length: 5 }, (_, i) => `many-${i}`);
        const firsts = keys.map((key, i) =>
          anObject('b', key, { etag: `"old${i}"`, segments: [{ blobId: `blob-old-${i}`, size: 1 }] }),
        );
        for (const object of firsts) await store.putObject(object);
        const seconds = keys.map((key, i) =>
          anObject('b', key, { etag: `"new${i}"`, segments: [{ blobId: `blob-new-${i}`, size: 1 }] }),
        );

        // Act
        const replaced = await Promise.all([
          ...seconds.map((object) => store.putObject(object)),
          store.putObject(anObject('b', 'many-fresh')),
        ]);

        // Assess
        expect(replaced).toEqual([...firsts, undefined]);
        for (const object of seconds) expect(await store.getObject('b', object.key)).toEqual(object);
        const blobIds = keys.flatMap((_, i) => [`blob-old-${i}`, `blob-new-${i}`]);
        expect(await store.referencedBlobs(blobIds)).toEqual(new Set(keys.map((_, i) => `blob-new-${i}`)));
      });

      it('rejects a put into a missing bucket with NoSuchBucket', async () => {
        // Act
        const put = store.putObject(anObject('missing', 'k'));

        // Assess
        await expect(put).rejects.toBeInstanceOf(S3Error);
        await expect(put).rejects.toMatchObject({ code: 'NoSuchBucket' });
      });

      it.each([
        ['into a missing bucket', anObject('missing', 'k'), { code: 'NoSuchBucket' }],
        // PostgreSQL text cannot hold a NUL character.
        ['the database refuses', anObject('b', 'bad\u0000key'), {}],
      ])('fails only the put %s among concurrent puts', async (_case, refused, reason) => {
        // Act
        const outcomes = await Promise.allSettled([
          store.putObject(anObject('b', 'before')),
          store.putObject(refused),
          store.putObject(anObject('b', 'after')),
        ]);

        // Assess
        expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
        expect(outcomes[1]).toMatchObject({ reason });
        expect((await store.getObject('b', 'before'))?.key).toBe('before');
        expect((await store.getObject('b', 'after'))?.key).toBe('after');
      });

      it('deletes an object and returns what it removed', async () => {
        // Prepare
        const object = anObject('b', 'k', { segments: [{ blobId: 'blob-del', size: 1 }] });
        await store.putObject(object);

        // Act
        const removed = await store.deleteObject('b', 'k');
        const again = await store.deleteObject('b', 'k');

        // Assess
        expect(removed).toEqual(object);
        expect(again).toBeUndefined();
        expect(await store.getObject('b', 'k')).toBeUndefined();
        expect(await store.referencedBlobs(['blob-del'])).toEqual(new Set());
      });

      it('keeps keys of the same name in different buckets apart', async () => {
        // Prepare
        await store.createBucket(aBucket('other'));
        await store.putObject(anObject('b', 'k', { etag: '"in-b"' }));
        await store.putObject(anObject('other', 'k', { etag: '"in-other"' }));

        // Act
        await store.deleteObject('other', 'k');

        // Assess
        expect((await store.getObject('b', 'k'))?.etag).toBe('"in-b"');
        expect(await store.listObjects({ bucket: 'other', prefix: '', after: '', limit: 10 })).toEqual([]);
      });
    });

    describe('listObjects', () => {
      const tricky = [
        'a',
        'B',
        'é',
        '~',
        '中',
        '😀',
        'ｚ',
        'a%b',
        'a%c',
        'axb',
        'a_b',
        'aXb',
        'a\\b',
        'a\\\\c',
        'with space',
        '../etc/passwd',
        'dir/sub/file',
        'dir/sub2',
        'dir0',
      ];

      beforeEach(async () => {
        await store.createBucket(aBucket('b'));
        for (const key of tricky) await store.putObject(anObject('b', key));
      });

      const list = async (prefix: string, after = '', limit = 1000) =>
        (await store.listObjects({ bucket: 'b', prefix, after, limit })).map((object) => object.key);

      it('returns keys in UTF-8 byte order', async () => {
        // Act
        const keys = await list('');

        // Assess
        expect(keys).toEqual(byteOrder(tricky));
        expect(keys.filter((key) => ['a', 'B', 'é', '~', '中'].includes(key))).toEqual([
          'B',
          'a',
          '~',
          'é',
          '中',
        ]);
        // UTF-16 order would put the astral emoji before U+FF5A; UTF-8 byte order does not.
        expect(keys.indexOf('ｚ')).toBeLessThan(keys.indexOf('😀'));
      });

      it('treats % in a prefix literally', async () => {
        expect(await list('a%')).toEqual(['a%b', 'a%c']);
      });

      it('treats _ in a prefix literally', async () => {
        expect(await list('a_')).toEqual(['a_b']);
      });

      it('treats a backslash in a prefix literally', async () => {
        expect(await list('a\\')).toEqual(byteOrder(['a\\b', 'a\\\\c']));
        expect(await list('a\\\\')).toEqual(['a\\\\c']);
      });

      it('matches prefixes with slashes, dots and spaces', async () => {
        expect(await list('dir/')).toEqual(['dir/sub/file', 'dir/sub2']);
        expect(await list('../')).toEqual(['../etc/passwd']);
        expect(await list('with ')).toEqual(['with space']);
      });

      it('matches a multi-byte prefix and nothing after it', async () => {
        expect(await list('中')).toEqual(['中']);
        expect(await list('😀')).toEqual(['😀']);
      });

      it('starts strictly after the given key and stops at the limit', async () => {
        // Prepare
        const all = byteOrder(tricky);

        // Act
        const page = await list('', all[2], 3);

        // Assess
        expect(page).toEqual(all.slice(3, 6));
      });

      it('pages through every key with after = last key of the previous page', async () => {
        // Prepare
        const seen: string[] = [];
        let after = '';

        // Act
        for (;;) {
          const page = await list('', after, 4);
          seen.push(...page);
          if (page.length < 4) break;
          after = page[page.length - 1];
        }

        // Assess
        expect(seen).toEqual(byteOrder(tricky));
      });

      it('combines prefix and after', async () => {
        expect(await list('a', 'a%c')).toEqual(
          byteOrder(tricky.filter((key) => key.startsWith('a') && key > 'a%c')),
        );
      });

      it('stores, reads and lists a 1024-byte key', async () => {
        // Prepare
        const key = `${'k'.repeat(1021)}中`;
        expect(Buffer.byteLength(key)).toBe(1024);

        // Act
        await store.putObject(anObject('b', key));

        // Assess
        expect((await store.getObject('b', key))?.key).toBe(key);
        expect(await list('kkk')).toEqual([key]);
      });
    });

    describe('multipart uploads', () => {
      beforeEach(async () => {
        await store.createBucket(aBucket('b'));
      });

      it('creates an upload and finds it only by its bucket, key and id', async () => {
        // Prepare
        const upload = anUpload('b', 'big.bin', 'up-1', {
          checksumAlgorithm: 'CRC32',
          checksumType: 'COMPOSITE',
        });

        // Act
        await store.createUpload(upload);

        // Assess
        expect(await store.getUpload('b', 'big.bin', 'up-1')).toEqual(upload);
        expect(await store.getUpload('b', 'other.bin', 'up-1')).toBeUndefined();
        expect(await store.getUpload('b', 'big.bin', 'up-2')).toBeUndefined();
      });

      it('rejects an upload into a missing bucket with NoSuchBucket', async () => {
        await expect(store.createUpload(anUpload('missing', 'k', 'up-x'))).rejects.toMatchObject({
          code: 'NoSuchBucket',
        });
      });

      it('stores parts, returns the part a re-upload replaced, lists them by number', async () => {
        // Prepare
        await store.createUpload(anUpload('b', 'k', 'up-1'));
        const part2 = aPart('up-1', 2, 'blob-2');
        const part1 = aPart('up-1', 1, 'blob-1a', {
          checksum: { algorithm: 'CRC32', value: 'AAAAAA==', type: 'COMPOSITE' },
        });
        const part1Again = aPart('up-1', 1, 'blob-1b', { etag: '"again"' });

        // Act
        const replacedFirst = [await store.putPart(part2), await store.putPart(part1)];
        const replacedAgain = await store.putPart(part1Again);

        // Assess
        expect(replacedFirst).toEqual([undefined, undefined]);
        expect(replacedAgain).toEqual(part1);
        expect(await store.listParts('up-1')).toEqual([part1Again, part2]);
      });

      it('rejects a part for an unknown upload with NoSuchUpload', async () => {
        await expect(store.putPart(aPart('no-such-upload', 1, 'blob'))).rejects.toMatchObject({
          code: 'NoSuchUpload',
        });
      });

      it('completes an upload atomically: object in, upload and parts out, unused parts returned', async () => {
        // Prepare
        await store.createUpload(anUpload('b', 'k', 'up-1'));
        const parts = [aPart('up-1', 1, 'blob-p1'), aPart('up-1', 2, 'blob-p2'), aPart('up-1', 3, 'blob-p3')];
        for (const part of parts) await store.putPart(part);
        const object = anObject('b', 'k', {
          segments: [
            { blobId: 'blob-p1', size: 10 },
            { blobId: 'blob-p3', size: 10 },
          ],
          partsCount: 2,
          etag: '"abc-2"',
        });

        // Act
        const result = await store.completeUpload('up-1', object);

        // Assess
        expect(result).toEqual({ replaced: undefined, unusedParts: [parts[1]] });
        expect(await store.getObject('b', 'k')).toEqual(object);
        expect(await store.getUpload('b', 'k', 'up-1')).toBeUndefined();
        expect(await store.listParts('up-1')).toEqual([]);
        expect(await store.referencedBlobs(['blob-p1', 'blob-p2', 'blob-p3'])).toEqual(
          new Set(['blob-p1', 'blob-p3']),
        );
      });

      it('returns the object a completion replaced', async () => {
        // Prepare
        const existing = anObject('b', 'k', { etag: '"old"' });
        await store.putObject(existing);
        await store.createUpload(anUpload('b', 'k', 'up-1'));
        await store.putPart(aPart('up-1', 1, 'blob-p1'));

        // Act
        const result = await store.completeUpload(
          'up-1',
          anObject('b', 'k', { segments: [{ blobId: 'blob-p1', size: 10 }] }),
        );

        // Assess
        expect(result.replaced).toEqual(existing);
      });

      it('refuses to complete an upload that is gone, leaving no object behind', async () => {
        // Prepare
        await store.createUpload(anUpload('b', 'k', 'up-1'));
        await store.abortUpload('b', 'k', 'up-1');

        // Act
        const completion = store.completeUpload('up-1', anObject('b', 'k'));

        // Assess
        await expect(completion).rejects.toMatchObject({ code: 'NoSuchUpload' });
        expect(await store.getObject('b', 'k')).toBeUndefined();
      });

      it('refuses to complete an upload under another key', async () => {
        // Prepare
        await store.createUpload(anUpload('b', 'k', 'up-1'));

        // Act
        const completion = store.completeUpload('up-1', anObject('b', 'other-key'));

        // Assess
        await expect(completion).rejects.toMatchObject({ code: 'NoSuchUpload' });
        expect(await store.getUpload('b', 'k', 'up-1')).toBeDefined();
      });

      it('aborts an upload, returning its parts; a second abort finds nothing', async () => {
        // Prepare
        await store.createUpload(anUpload('b', 'k', 'up-1'));
        const parts = [aPart('up-1', 1, 'blob-a1'), aPart('up-1', 2, 'blob-a2')];
        for (const part of parts) await store.putPart(part);

        // Act
        const first = await store.abortUpload('b', 'k', 'up-1');
        const second = await store.abortUpload('b', 'k', 'up-1');

        // Assess
        expect(first).toEqual(parts);
        expect(second).toBeUndefined();
        expect(await store.referencedBlobs(['blob-a1', 'blob-a2'])).toEqual(new Set());
        await expect(store.putPart(aPart('up-1', 3, 'blob-late'))).rejects.toMatchObject({
          code: 'NoSuchUpload',
        });
      });

      it('does not abort an upload named with the wrong key', async () => {
        // Prepare
        await store.createUpload(anUpload('b', 'k', 'up-1'));

        // Act
        const outcome = await store.abortUpload('b', 'other', 'up-1');

        // Assess
        expect(outcome).toBeUndefined();
        expect(await store.getUpload('b', 'k', 'up-1')).toBeDefined();
      });

      it('lists uploads by key then initiation time, honouring prefix and markers', async () => {
        // Prepare
        const t = (s: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, s));
        const uploads = [
          anUpload('b', 'b%key', 'up-c', { initiated: t(1) }),
          anUpload('b', 'b%key', 'up-a', { initiated: t(2) }),
          anUpload('b', 'a', 'up-z', { initiated: t(3) }),
          anUpload('b', 'bxkey', 'up-b', { initiated: t(0) }),
        ];
        for (const upload of uploads) await store.createUpload(upload);
        const ids = async (prefix: string, keyMarker: string, uploadIdMarker: string, limit = 100) =>
          (await store.listUploads({ bucket: 'b', prefix, keyMarker, uploadIdMarker, limit })).map(
            (upload) => upload.uploadId,
          );

        // Act / Assess
        expect(await ids('', '', '')).toEqual(['up-z', 'up-c', 'up-a', 'up-b']);
        expect(await ids('b%', '', '')).toEqual(['up-c', 'up-a']);
        expect(await ids('', 'b%key', '')).toEqual(['up-b']);
        expect(await ids('', 'b%key', 'up-c')).toEqual(['up-a', 'up-b']);
        expect(await ids('', '', '', 2)).toEqual(['up-z', 'up-c']);
        expect(
          await store.listUploads({ bucket: 'b', prefix: '', keyMarker: '', uploadIdMarker: '', limit: 1 }),
        ).toEqual([uploads[2]]);
      });
    });

    describe('blob references', () => {
      beforeEach(async () => {
        await store.createBucket(aBucket('b'));
      });

      it('tells which blob ids an object or a part references', async () => {
        // Prepare
        await store.putObject(anObject('b', 'k1', { segments: [{ blobId: 'blob-o1', size: 1 }] }));
        await store.createUpload(anUpload('b', 'k2', 'up-1'));
        await store.putPart(aPart('up-1', 1, 'blob-p1'));

        // Act
        const referenced = await store.referencedBlobs(['blob-o1', 'blob-p1', 'blob-orphan']);

        // Assess
        expect(referenced).toEqual(new Set(['blob-o1', 'blob-p1']));
        expect(await store.referencedBlobs([])).toEqual(new Set());
      });

      it('keeps a blob shared by two objects referenced until both are gone', async () => {
        // Prepare
        await store.putObject(anObject('b', 'original', { segments: [{ blobId: 'blob-shared', size: 1 }] }));
        await store.putObject(anObject('b', 'copy', { segments: [{ blobId: 'blob-shared', size: 1 }] }));

        // Act
        await store.deleteObject('b', 'original');
        const afterOne = await store.referencedBlobs(['blob-shared']);
        await store.deleteObject('b', 'copy');
        const afterBoth = await store.referencedBlobs(['blob-shared']);

        // Assess
        expect(afterOne).toEqual(new Set(['blob-shared']));
        expect(afterBoth).toEqual(new Set());
      });

      it('moves the references of a replaced object to the blobs of its new version', async () => {
        // Prepare
        await store.putObject(
          anObject('b', 'k', {
            segments: [
              { blobId: 'blob-kept', size: 1 },
              { blobId: 'blob-dropped', size: 1 },
            ],
          }),
        );

        // Act
        await store.putObject(
          anObject('b', 'k', {
            segments: [
              { blobId: 'blob-kept', size: 1 },
              { blobId: 'blob-new', size: 1 },
            ],
          }),
        );

        // Assess
        expect(await store.referencedBlobs(['blob-kept', 'blob-dropped', 'blob-new'])).toEqual(
          new Set(['blob-kept', 'blob-new']),
        );
        expect(await store.listReferencedBlobs('', 10)).toEqual(['blob-kept', 'blob-new']);
      });

      it('pages through every referenced blob id in order, each once', async () => {
        // Prepare
        await store.putObject(
          anObject('b', 'k1', {
            segments: [
              { blobId: 'blob-05', size: 1 },
              { blobId: 'blob-01', size: 1 },
            ],
          }),
        );
        await store.putObject(anObject('b', 'k2', { segments: [{ blobId: 'blob-03', size: 1 }] }));
        await store.putObject(anObject('b', 'k3', { segments: [{ blobId: 'blob-03', size: 1 }] }));
        await store.createUpload(anUpload('b', 'k4', 'up-1'));
        await store.putPart(aPart('up-1', 1, 'blob-02'));
        await store.putPart(aPart('up-1', 2, 'blob-04'));
        const seen: string[] = [];
        let after = '';

        // Act
        for (;;) {
          const page = await store.listReferencedBlobs(after, 2);
          seen.push(...page);
          if (page.length < 2) break;
          after = page[page.length - 1];
        }

        // Assess
        expect(seen).toEqual(['blob-01', 'blob-02', 'blob-03', 'blob-04', 'blob-05']);
      });
    });

    describe('reset', () => {
      it('drops every bucket, object, upload and part', async () => {
        // Prepare
        await store.createBucket(aBucket('b'));
        await store.putObject(anObject('b', 'k', { segments: [{ blobId: 'blob-o', size: 1 }] }));
        await store.createUpload(anUpload('b', 'k2', 'up-1'));
        await store.putPart(aPart('up-1', 1, 'blob-p'));

        // Act
        await store.reset();

        // Assess
        expect(await store.listBuckets()).toEqual([]);
        expect(await store.getObject('b', 'k')).toBeUndefined();
        expect(await store.listParts('up-1')).toEqual([]);
        expect(await store.listReferencedBlobs('', 10)).toEqual([]);
      });
    });
  });
}

/** Sorts strings by their UTF-8 bytes, the order S3 lists keys in. */
export function byteOrder(keys: readonly string[]): string[] {
  return [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

const CREATED = new Date('2024-01-02T03:04:05.678Z');

export function aBucket(name: string, createdAt: Date = CREATED): BucketRecord {
  return { name, createdAt };
}

export function anObject(bucket: string, key: string, overrides: Partial<ObjectRecord> = {}): ObjectRecord {
  return {
    bucket,
    key,
    size: 10,
    etag: '"d41d8cd98f00b204e9800998ecf8427e"',
    lastModified: new Date('2024-02-03T04:05:06.789Z'),
    headers: { contentType: 'application/octet-stream' },
    userMetadata: {},
    segments: [{ blobId: `blob-${key.length}-${Buffer.from(key).toString('hex').slice(0, 32)}`, size: 10 }],
    ...overrides,
  };
}

export function anUpload(
  bucket: string,
  key: string,
  uploadId: string,
  overrides: Partial<UploadRecord> = {},
): UploadRecord {
  return {
    uploadId,
    bucket,
    key,
    initiated: new Date('2024-03-04T05:06:07.890Z'),
    headers: { contentType: 'application/zip' },
    userMetadata: { owner: 'chaos' },
    ...overrides,
  };
}

export function aPart(
  uploadId: string,
  partNumber: number,
  blobId: string,
  overrides: Partial<PartRecord> = {},
): PartRecord {
  return {
    uploadId,
    partNumber,
    blobId,
    size: 5 * 1024 * 1024,
    etag: `"etag-${partNumber}"`,
    lastModified: new Date('2024-03-04T05:06:08.001Z'),
    ...overrides,
  };
}
