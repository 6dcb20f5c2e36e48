import { beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { MetadataStore } from '../../shared/metadata/ports.js';
import type { SqlClient } from '../../shared/metadata/sql-client.js';
import { aBucket, anObject, anUpload } from './metadata-contract.js';
import { migratedStoreFor } from './migrated-store.js';

/**
 * The behaviour every SQL backend must have for what issue 15 added to buckets and objects:
 * versioning state, sub-resource documents, and the attributes an object or upload carries.
 */
export function describeAttributesContract(label: string, openClient: () => Promise<SqlClient>): void {
  describe(`MetadataStore attributes contract (${label})`, () => {
    let store: MetadataStore;

    const opened = migratedStoreFor(openClient);
    beforeAll(() => {
      ({ store } = opened());
    });

    beforeEach(async () => {
      await store.reset();
      await store.createBucket(aBucket('b'));
    });

    it('keeps a bucket unversioned until its versioning is set, then reports the state', async () => {
      // Prepare
      const before = await store.getBucket('b');

      // Act
      const set = await store.setBucketVersioning('b', 'Enabled');
      const missing = await store.setBucketVersioning('nope', 'Enabled');

      // Assess
      expect(before?.versioning).toBeUndefined();
      expect(set).toBe(true);
      expect(missing).toBe(false);
      expect((await store.getBucket('b'))?.versioning).toBe('Enabled');
      expect((await store.listBuckets())[0]?.versioning).toBe('Enabled');
    });

    it('stores, replaces and removes one bucket document per kind', async () => {
      // Prepare
      const cors = [
        { allowedOrigins: ['*'], allowedMethods: ['GET'], allowedHeaders: [], exposeHeaders: ['ETag'] },
      ];

      // Act
      await store.putBucketConfig('b', 'tagging', [{ key: 'team', value: 'sre' }]);
      await store.putBucketConfig('b', 'tagging', [{ key: 'team', value: 'chaos' }]);
      await store.putBucketConfig('b', 'cors', cors);
      const stored = await store.getBucket('b');
      const removed = await store.deleteBucketConfig('b', 'tagging');
      const removedAgain = await store.deleteBucketConfig('b', 'tagging');

      // Assess
      expect(stored?.configs).toEqual({ tagging: [{ key: 'team', value: 'chaos' }], cors });
      expect(removed).toBe(true);
      expect(removedAgain).toBe(false);
      expect((await store.getBucket('b'))?.configs).toEqual({ cors });
      expect(await store.putBucketConfig('nope', 'ownership', 'ObjectWriter')).toBe(false);
    });

    it('drops the documents with the bucket', async () => {
      // Prepare
      await store.putBucketConfig('b', 'ownership', 'BucketOwnerEnforced');

      // Act
      await store.deleteBucket('b');
      await store.createBucket(aBucket('b'));

      // Assess
      expect((await store.getBucket('b'))?.configs).toBeUndefined();
    });

    it('round-trips an object version id, tags, storage class, encryption and ACL', async () => {
      // Prepare
      const object = anObject('b', 'k', {
        versionId: 'v1',
        tags: [{ key: 'a', value: '1' }],
        storageClass: 'GLACIER',
        encryption: { algorithm: 'aws:kms', kmsKeyId: 'key-1', bucketKeyEnabled: true },
        acl: {
          grants: [
            {
              grantee: { type: 'Group', uri: 'http://acs.amazonaws.com/groups/global/AllUsers' },
              permission: 'READ',
            },
          ],
        },
      });

      // Act
      await store.putObject(object);

      // Assess
      expect(await store.getObject('b', 'k')).toEqual(object);
      expect((await store.listObjects({ bucket: 'b', prefix: '', after: '', limit: 10 }))[0]).toEqual(object);
    });

    it('changes tags and ACL in place, leaving the rest of the version as it was', async () => {
      // Prepare
      const object = anObject('b', 'k', { tags: [{ key: 'a', value: '1' }] });
      await store.putObject(object);
      const acl = {
        grants: [{ grantee: { type: 'CanonicalUser' as const, id: 'abc' }, permission: 'READ' as const }],
      };

      // Act
      const retagged = await store.updateObjectAttributes('b', 'k', undefined, {
        tags: [{ key: 'b', value: '2' }],
      });
      const withAcl = await store.updateObjectAttributes('b', 'k', 'null', { acl });
      const untagged = await store.updateObjectAttributes('b', 'k', undefined, { tags: [] });
      const otherVersion = await store.updateObjectAttributes('b', 'k', 'v9', { tags: [] });

      // Assess
      expect(retagged).toEqual({ ...object, tags: [{ key: 'b', value: '2' }] });
      expect(withAcl).toEqual({ ...object, tags: [{ key: 'b', value: '2' }], acl });
      expect(untagged).toEqual({ ...object, tags: undefined, acl });
      expect(untagged && 'tags' in untagged).toBe(false);
      expect(otherVersion).toBeUndefined();
      expect(await store.updateObjectAttributes('b', 'missing', undefined, { tags: [] })).toBeUndefined();
    });

    it('keeps what CreateMultipartUpload was given for the object', async () => {
      // Prepare
      const upload = anUpload('b', 'k', 'u1', {
        tags: [{ key: 'a', value: '1' }],
        storageClass: 'STANDARD_IA',
        encryption: { customerAlgorithm: 'AES256', customerKeyMd5: 'bWQ1' },
        acl: { grants: [] },
      });

      // Act
      await store.createUpload(upload);

      // Assess
      expect(await store.getUpload('b', 'k', 'u1')).toEqual(upload);
    });
  });
}
