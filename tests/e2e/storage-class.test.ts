import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { expectS3Error, parseXml, rawRequest, sdkError } from '../support/e2e/http.js';
import { awsCli, type Target, useTarget } from '../support/e2e/server.js';

jest.setTimeout(120_000);

let target: Target;
let bucket: string;

beforeAll(async () => {
  target = await useTarget();
  bucket = await target.createBucket('storage-class');
});

afterAll(async () => {
  await target?.close();
});

describe('x-amz-storage-class', () => {
  it('stores a class and returns it on HEAD and GET (never STANDARD) and in both listings', async () => {
    // Prepare
    const listed = await target.createBucket('class-list');

    // Act
    await target.client.send(
      new PutObjectCommand({ Bucket: listed, Key: 'ia', Body: 'x', StorageClass: 'STANDARD_IA' }),
    );
    await target.client.send(
      new PutObjectCommand({ Bucket: listed, Key: 'standard', Body: 'x', StorageClass: 'STANDARD' }),
    );
    const head = await target.client.send(new HeadObjectCommand({ Bucket: listed, Key: 'ia' }));
    const standardHead = await rawRequest(target.endpoint, { method: 'HEAD', path: `/${listed}/standard` });
    const got = await target.client.send(new GetObjectCommand({ Bucket: listed, Key: 'ia' }));
    await got.Body?.transformToByteArray();
    const v2 = await target.client.send(new ListObjectsV2Command({ Bucket: listed }));
    const v1 = await target.client.send(new ListObjectsCommand({ Bucket: listed }));

    // Assess
    expect(head.StorageClass).toBe('STANDARD_IA');
    expect(got.StorageClass).toBe('STANDARD_IA');
    // S3 leaves the header out for STANDARD.
    expect(standardHead.status).toBe(200);
    expect(standardHead.headers['x-amz-storage-class']).toBeUndefined();
    const classes = [
      ['ia', 'STANDARD_IA'],
      ['standard', 'STANDARD'],
    ];
    expect((v2.Contents ?? []).map((o) => [o.Key, o.StorageClass])).toEqual(classes);
    expect((v1.Contents ?? []).map((o) => [o.Key, o.StorageClass])).toEqual(classes);
  });

  it('refuses a class S3 does not list with 400 InvalidStorageClass naming it', async () => {
    // Act
    const response = await rawRequest(target.endpoint, {
      method: 'PUT',
      path: `/${bucket}/bad-class`,
      headers: { 'x-amz-storage-class': 'COLD', 'content-length': 1 },
      body: 'x',
    });

    // Assess
    expectS3Error(response, 'InvalidStorageClass', 400);
    const error = parseXml(response.text).Error as Record<string, string>;
    expect(error.Message).toBe('The storage class you specified is not valid');
    expect(error.StorageClassRequested).toBe('COLD');
  });

  it.each(['GLACIER', 'DEEP_ARCHIVE'] as const)(
    'answers GET of a %s object 403 InvalidObjectState, HEAD still 200',
    async (storageClass) => {
      // Prepare
      const key = `archived-${storageClass}`;
      await target.client.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'cold', StorageClass: storageClass }),
      );

      // Act
      const got = await rawRequest(target.endpoint, { method: 'GET', path: `/${bucket}/${key}` });
      const head = await target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));

      // Assess
      expect(expectS3Error(got, 'InvalidObjectState', 403).Message).toBe(
        "The operation is not valid for the object's storage class",
      );
      expect((parseXml(got.text).Error as Record<string, string>).StorageClass).toBe(storageClass);
      expect(head.StorageClass).toBe(storageClass);
    },
  );

  it('reads a GLACIER_IR object (instant retrieval) like any other', async () => {
    // Act
    await target.client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'instant', Body: 'warm', StorageClass: 'GLACIER_IR' }),
    );
    const got = await target.client.send(new GetObjectCommand({ Bucket: bucket, Key: 'instant' }));

    // Assess
    expect(got.StorageClass).toBe('GLACIER_IR');
    expect(await got.Body?.transformToString()).toBe('warm');
  });

  it('changes the class of an object by copying it onto itself', async () => {
    // Prepare
    await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'move', Body: 'bytes' }));

    // Act
    await target.client.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: 'move',
        CopySource: `${bucket}/move`,
        StorageClass: 'ONEZONE_IA',
      }),
    );
    const head = await target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'move' }));

    // Assess
    expect(head.StorageClass).toBe('ONEZONE_IA');
  });

  it('refuses to copy from a GLACIER object (403 InvalidObjectState)', async () => {
    // Prepare
    await target.client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'frozen', Body: 'x', StorageClass: 'GLACIER' }),
    );

    // Act
    const error = await sdkError(
      target.client.send(
        new CopyObjectCommand({ Bucket: bucket, Key: 'thawed', CopySource: `${bucket}/frozen` }),
      ),
    );

    // Assess
    expect(error).toEqual({ name: 'InvalidObjectState', status: 403 });
  });

  it('carries the class of CreateMultipartUpload into ListMultipartUploads, ListParts and the object', async () => {
    // Prepare
    const key = 'multipart-class';
    const created = await target.client.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, StorageClass: 'INTELLIGENT_TIERING' }),
    );
    const uploadId = created.UploadId ?? '';
    const part = await target.client.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        PartNumber: 1,
        Body: randomBytes(10),
      }),
    );

    // Act
    const uploads = await target.client.send(
      new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key }),
    );
    const parts = await target.client.send(
      new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId }),
    );
    await target.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );
    const head = await target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));

    // Assess
    expect((uploads.Uploads ?? []).map((u) => u.StorageClass)).toEqual(['INTELLIGENT_TIERING']);
    expect(parts.StorageClass).toBe('INTELLIGENT_TIERING');
    expect(head.StorageClass).toBe('INTELLIGENT_TIERING');
  });
});

describe('aws-cli', () => {
  it('uploads with s3 cp --storage-class and shows it in head-object and list-objects-v2', async () => {
    // Prepare
    const cliBucket = await target.createBucket('class-cli');
    const dir = await mkdtemp(join(tmpdir(), 'mock-s3-class-'));
    const file = join(dir, 'file.txt');
    await writeFile(file, 'cli bytes');
    const options = { endpoint: target.endpoint };

    try {
      // Act
      const copied = await awsCli(
        ['s3', 'cp', file, `s3://${cliBucket}/file.txt`, '--storage-class', 'REDUCED_REDUNDANCY'],
        options,
      );
      const head = await awsCli(
        ['s3api', 'head-object', '--bucket', cliBucket, '--key', 'file.txt'],
        options,
      );
      const listed = await awsCli(['s3api', 'list-objects-v2', '--bucket', cliBucket], options);

      // Assess
      expect(copied.code).toBe(0);
      expect(JSON.parse(head.stdout).StorageClass).toBe('REDUCED_REDUNDANCY');
      expect(JSON.parse(listed.stdout).Contents[0].StorageClass).toBe('REDUCED_REDUNDANCY');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
