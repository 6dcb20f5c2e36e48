import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetBucketLocationCommand,
  GetBucketVersioningCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { expectS3Error, rawRequest, sdkError } from '../support/e2e/http.js';
import { uniqueBucketName } from '../support/e2e/payload.js';
import { type Target, useTarget } from '../support/e2e/server.js';

jest.setTimeout(60_000);

let target: Target;

beforeAll(async () => {
  target = await useTarget();
});

afterAll(async () => {
  await target?.close();
});

describe('CreateBucket', () => {
  it('creates a bucket that HeadBucket then finds', async () => {
    // Prepare
    const bucket = uniqueBucketName('create');

    // Act
    const created = await target.client.send(new CreateBucketCommand({ Bucket: bucket }));

    // Assess
    expect(created.$metadata.httpStatusCode).toBe(200);
    const head = await target.client.send(new HeadBucketCommand({ Bucket: bucket }));
    expect(head.$metadata.httpStatusCode).toBe(200);
    await target.client.send(new DeleteBucketCommand({ Bucket: bucket }));
  });

  it('answers BucketAlreadyOwnedByYou 409 when the bucket exists', async () => {
    // Prepare
    const bucket = await target.createBucket('again');

    // Act
    const error = await sdkError(target.client.send(new CreateBucketCommand({ Bucket: bucket })));

    // Assess
    expect(error).toEqual({ name: 'BucketAlreadyOwnedByYou', status: 409 });
  });

  it.each([
    ['too short', 'ab'],
    ['uppercase', 'Upper-Case-Bucket'],
    ['underscore', 'under_score_bucket'],
    ['starts with a dash', '-dash-first'],
    ['IP address', '192.168.5.4'],
    ['double dot', 'dots..inside'],
    ['too long', 'a'.repeat(64)],
  ])('rejects an invalid name (%s) with InvalidBucketName 400', async (_why, name) => {
    // Act
    const response = await rawRequest(target.endpoint, {
      method: 'PUT',
      path: `/${name}`,
      headers: { 'content-length': 0 },
    });

    // Assess
    expectS3Error(response, 'InvalidBucketName', 400);
  });
});

describe('HeadBucket', () => {
  it('answers 404 for a missing bucket', async () => {
    // Act
    const error = await sdkError(
      target.client.send(new HeadBucketCommand({ Bucket: uniqueBucketName('missing') })),
    );

    // Assess
    expect(error.status).toBe(404);
  });
});

describe('ListBuckets', () => {
  it('lists buckets with their creation dates', async () => {
    // Prepare
    const first = await target.createBucket('list');
    const second = await target.createBucket('list');

    // Act
    const listed = await target.client.send(new ListBucketsCommand({}));

    // Assess
    const names = (listed.Buckets ?? []).map((b) => b.Name);
    expect(names).toEqual(expect.arrayContaining([first, second]));
    const mine = (listed.Buckets ?? []).find((b) => b.Name === first);
    expect(mine?.CreationDate).toBeInstanceOf(Date);
    expect(Math.abs((mine?.CreationDate?.getTime() ?? 0) - Date.now())).toBeLessThan(5 * 60_000);
  });
});

describe('GetBucketLocation', () => {
  it('answers for an existing bucket', async () => {
    // Prepare
    const bucket = await target.createBucket('where');

    // Act
    const location = await target.client.send(new GetBucketLocationCommand({ Bucket: bucket }));

    // Assess: S3 reports us-east-1 as an empty LocationConstraint; naming it is tolerated.
    expect(['', undefined, 'us-east-1']).toContain(location.LocationConstraint);
    expect(location.$metadata.httpStatusCode).toBe(200);
  });

  it('answers NoSuchBucket for a missing bucket', async () => {
    // Act
    const error = await sdkError(
      target.client.send(new GetBucketLocationCommand({ Bucket: uniqueBucketName('missing') })),
    );

    // Assess
    expect(error).toEqual({ name: 'NoSuchBucket', status: 404 });
  });
});

describe('DeleteBucket', () => {
  it('refuses a bucket with objects with BucketNotEmpty 409, then deletes it once empty', async () => {
    // Prepare
    const bucket = uniqueBucketName('full');
    await target.client.send(new CreateBucketCommand({ Bucket: bucket }));
    await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'keep', Body: 'x' }));

    // Act
    const error = await sdkError(target.client.send(new DeleteBucketCommand({ Bucket: bucket })));
    await target.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'keep' }));
    const deleted = await target.client.send(new DeleteBucketCommand({ Bucket: bucket }));

    // Assess
    expect(error).toEqual({ name: 'BucketNotEmpty', status: 409 });
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    expect((await sdkError(target.client.send(new HeadBucketCommand({ Bucket: bucket })))).status).toBe(404);
  });

  it('answers NoSuchBucket 404 for a missing bucket', async () => {
    // Act
    const response = await rawRequest(target.endpoint, {
      method: 'DELETE',
      path: `/${uniqueBucketName('gone')}`,
    });

    // Assess
    expectS3Error(response, 'NoSuchBucket', 404);
  });
});

describe('versioning views of an unversioned bucket', () => {
  it('GetBucketVersioning has no Status', async () => {
    // Prepare
    const bucket = await target.createBucket('unversioned');

    // Act
    const versioning = await target.client.send(new GetBucketVersioningCommand({ Bucket: bucket }));

    // Assess
    expect(versioning.$metadata.httpStatusCode).toBe(200);
    expect(versioning.Status).toBeUndefined();
  });

  it('ListObjectVersions lists current objects with VersionId null', async () => {
    // Prepare
    const bucket = await target.createBucket('versions');
    await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'a.txt', Body: 'alpha' }));
    await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'b.txt', Body: 'beta' }));

    // Act
    const listed = await target.client.send(new ListObjectVersionsCommand({ Bucket: bucket }));

    // Assess
    expect((listed.Versions ?? []).map((v) => [v.Key, v.VersionId, v.IsLatest, v.Size])).toEqual([
      ['a.txt', 'null', true, 5],
      ['b.txt', 'null', true, 4],
    ]);
    expect(listed.DeleteMarkers ?? []).toEqual([]);
  });
});
