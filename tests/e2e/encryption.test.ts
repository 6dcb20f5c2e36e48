import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteBucketEncryptionCommand,
  GetBucketEncryptionCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketEncryptionCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { expectS3Error, rawRequest, sdkError } from '../support/e2e/http.js';
import { awsCli, type Target, useTarget } from '../support/e2e/server.js';

jest.setTimeout(120_000);

const MiB = 1024 * 1024;
/** The SDK takes the raw 32-byte key and sends it base64-encoded with its MD5. */
const KEY = randomBytes(32);
const KEY_MD5 = createHash('md5').update(KEY).digest('base64');
const OTHER_KEY = randomBytes(32);
const SSE_C = {
  SSECustomerAlgorithm: 'AES256',
  SSECustomerKey: KEY.toString('base64'),
  SSECustomerKeyMD5: KEY_MD5,
};
/** The same trio as raw headers. */
const SSE_C_HEADERS = {
  'x-amz-server-side-encryption-customer-algorithm': 'AES256',
  'x-amz-server-side-encryption-customer-key': KEY.toString('base64'),
  'x-amz-server-side-encryption-customer-key-MD5': KEY_MD5,
};
const KMS_ARN = /^arn:aws:kms:us-east-1:\d{12}:key\/[0-9a-f-]{36}$/;

let target: Target;
let bucket: string;

beforeAll(async () => {
  target = await useTarget();
  bucket = await target.createBucket('encryption');
});

afterAll(async () => {
  await target?.close();
});

async function bodyOf(key: string, extra: Record<string, unknown> = {}): Promise<Buffer> {
  const got = await target.client.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...extra }));
  return Buffer.from((await got.Body?.transformToByteArray()) ?? []);
}

describe('SSE-S3 and SSE-KMS headers', () => {
  it('answers every object as SSE-S3 (AES256) when the write names no encryption', async () => {
    // Act
    const put = await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'plain', Body: 'x' }));
    const head = await target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'plain' }));
    const got = await target.client.send(new GetObjectCommand({ Bucket: bucket, Key: 'plain' }));
    await got.Body?.transformToByteArray();

    // Assess
    expect([put.ServerSideEncryption, head.ServerSideEncryption, got.ServerSideEncryption]).toEqual([
      'AES256',
      'AES256',
      'AES256',
    ]);
    expect(head.SSEKMSKeyId).toBeUndefined();
  });

  it('stores and echoes aws:kms with key id, context and bucket key on PUT, GET and HEAD', async () => {
    // Prepare
    const keyId = '1234abcd-12ab-34cd-56ef-1234567890ab';
    const context = Buffer.from(JSON.stringify({ project: 'drill' })).toString('base64');

    // Act
    const put = await target.client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'kms',
        Body: 'secret',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: keyId,
        SSEKMSEncryptionContext: context,
        BucketKeyEnabled: true,
      }),
    );
    const head = await target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'kms' }));
    const got = await target.client.send(new GetObjectCommand({ Bucket: bucket, Key: 'kms' }));

    // Assess
    const expected = {
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: `arn:aws:kms:us-east-1:000000000000:key/${keyId}`,
      BucketKeyEnabled: true,
    };
    expect(put).toMatchObject({ ...expected, SSEKMSEncryptionContext: context });
    expect(head).toMatchObject(expected);
    expect(got).toMatchObject(expected);
    // S3 never sends the context back on a read.
    const rawHead = await rawRequest(target.endpoint, { method: 'HEAD', path: `/${bucket}/kms` });
    expect(rawHead.headers['x-amz-server-side-encryption-context']).toBeUndefined();
    expect(Buffer.from((await got.Body?.transformToByteArray()) ?? []).toString()).toBe('secret');
  });

  it('names the AWS managed key (an ARN) for aws:kms without a key id, and no bucket key', async () => {
    // Act
    const put = await target.client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'kms-default',
        Body: 'x',
        ServerSideEncryption: 'aws:kms',
      }),
    );

    // Assess
    expect(put.ServerSideEncryption).toBe('aws:kms');
    expect(put.SSEKMSKeyId).toMatch(KMS_ARN);
    expect(put.BucketKeyEnabled).toBeUndefined();
  });

  it.each([
    [
      'an unknown algorithm',
      { 'x-amz-server-side-encryption': 'AES512' },
      'The encryption method specified is not supported',
    ],
    [
      'a KMS key id without aws:kms',
      { 'x-amz-server-side-encryption-aws-kms-key-id': 'some-key' },
      'Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms',
    ],
    [
      'a context that is not base64 JSON',
      { 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-context': 'not json' },
      "The header 'x-amz-server-side-encryption-context' shall be Base64-encoded UTF-8 string holding JSON which represents a string-string map",
    ],
  ])('refuses %s with 400 InvalidArgument and writes nothing', async (_label, headers, message) => {
    // Act
    const response = await rawRequest(target.endpoint, {
      method: 'PUT',
      path: `/${bucket}/refused`,
      headers: { ...headers, 'content-length': 1 },
      body: 'x',
    });

    // Assess
    expect(expectS3Error(response, 'InvalidArgument', 400).Message).toBe(message);
    const head = await sdkError(
      target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'refused' })),
    );
    expect(head.status).toBe(404);
  });
});

describe('SSE-C (customer-provided keys)', () => {
  it('writes with a key and reads back only with the same key', async () => {
    // Act
    const put = await target.client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'customer', Body: 'customer bytes', ...SSE_C }),
    );
    const head = await target.client.send(
      new HeadObjectCommand({ Bucket: bucket, Key: 'customer', ...SSE_C }),
    );
    const body = await bodyOf('customer', SSE_C);

    // Assess
    expect(put).toMatchObject({ SSECustomerAlgorithm: 'AES256', SSECustomerKeyMD5: KEY_MD5 });
    expect(put.ServerSideEncryption).toBeUndefined();
    expect(head).toMatchObject({ SSECustomerAlgorithm: 'AES256', SSECustomerKeyMD5: KEY_MD5 });
    expect(body.toString()).toBe('customer bytes');
  });

  it('answers a read without the key 400 InvalidRequest, with another key 403 AccessDenied (GET and HEAD)', async () => {
    // Prepare
    await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'locked', Body: 'x', ...SSE_C }));
    const other = {
      'x-amz-server-side-encryption-customer-algorithm': 'AES256',
      'x-amz-server-side-encryption-customer-key': OTHER_KEY.toString('base64'),
      'x-amz-server-side-encryption-customer-key-MD5': createHash('md5').update(OTHER_KEY).digest('base64'),
    };

    // Act
    const missing = await rawRequest(target.endpoint, { method: 'GET', path: `/${bucket}/locked` });
    const wrong = await rawRequest(target.endpoint, {
      method: 'GET',
      path: `/${bucket}/locked`,
      headers: other,
    });
    const headMissing = await sdkError(
      target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'locked' })),
    );
    const headWrong = await sdkError(
      target.client.send(
        new HeadObjectCommand({
          Bucket: bucket,
          Key: 'locked',
          SSECustomerAlgorithm: 'AES256',
          SSECustomerKey: OTHER_KEY.toString('base64'),
        }),
      ),
    );

    // Assess
    expect(expectS3Error(missing, 'InvalidRequest', 400).Message).toBe(
      'The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.',
    );
    expect(expectS3Error(wrong, 'AccessDenied', 403).Message).toBe(
      'Requests specifying Server Side Encryption with Customer provided keys must provide the correct secret key.',
    );
    expect(headMissing.status).toBe(400);
    expect(headWrong.status).toBe(403);
  });

  it('refuses SSE-C headers on a read of an object written without them (400 InvalidRequest)', async () => {
    // Prepare
    await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'not-customer', Body: 'x' }));

    // Act
    const response = await rawRequest(target.endpoint, {
      method: 'GET',
      path: `/${bucket}/not-customer`,
      headers: SSE_C_HEADERS,
    });

    // Assess
    expect(expectS3Error(response, 'InvalidRequest', 400).Message).toBe(
      'The encryption parameters are not applicable to this object.',
    );
  });

  it.each([
    [
      'a key MD5 that does not match the key',
      { ...SSE_C_HEADERS, 'x-amz-server-side-encryption-customer-key-MD5': 'AAAAAAAAAAAAAAAAAAAAAA==' },
      'InvalidArgument',
      'The calculated MD5 hash of the key did not match the hash that was provided.',
    ],
    [
      'an algorithm other than AES256',
      { ...SSE_C_HEADERS, 'x-amz-server-side-encryption-customer-algorithm': 'AES128' },
      'InvalidEncryptionAlgorithmError',
      'The Encryption request you specified is not valid. Supported value: AES256.',
    ],
    [
      'a key that is not 256 bits',
      {
        ...SSE_C_HEADERS,
        'x-amz-server-side-encryption-customer-key': Buffer.alloc(16, 1).toString('base64'),
        'x-amz-server-side-encryption-customer-key-MD5': createHash('md5')
          .update(Buffer.alloc(16, 1))
          .digest('base64'),
      },
      'InvalidArgument',
      'The secret key was invalid for the specified algorithm.',
    ],
    [
      'an algorithm without a key',
      { 'x-amz-server-side-encryption-customer-algorithm': 'AES256' },
      'InvalidArgument',
      'Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate secret key.',
    ],
    [
      'SSE-C together with x-amz-server-side-encryption',
      { ...SSE_C_HEADERS, 'x-amz-server-side-encryption': 'AES256' },
      'InvalidArgument',
      'Server Side Encryption with Customer provided key is incompatible with the encryption method specified',
    ],
  ])('refuses a PUT with %s', async (_label, headers, code, message) => {
    // Act
    const response = await rawRequest(target.endpoint, {
      method: 'PUT',
      path: `/${bucket}/bad-customer-key`,
      headers: { ...headers, 'content-length': 1 },
      body: 'x',
    });

    // Assess
    expect(expectS3Error(response, code, 400).Message).toBe(message);
  });

  it('runs a multipart upload whose every part repeats the key', async () => {
    // Prepare
    const key = 'customer-multipart';
    const first = randomBytes(5 * MiB);
    const last = Buffer.from('tail');
    const created = await target.client.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ...SSE_C }),
    );
    const uploadId = created.UploadId ?? '';

    // Act
    const withoutKey = await sdkError(
      target.client.send(
        new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: 1, Body: first }),
      ),
    );
    const withOtherKey = await rawRequest(target.endpoint, {
      method: 'PUT',
      path: `/${bucket}/${key}?partNumber=1&uploadId=${uploadId}`,
      headers: {
        'x-amz-server-side-encryption-customer-algorithm': 'AES256',
        'x-amz-server-side-encryption-customer-key': OTHER_KEY.toString('base64'),
        'x-amz-server-side-encryption-customer-key-MD5': createHash('md5').update(OTHER_KEY).digest('base64'),
        'content-length': 1,
      },
      body: 'x',
    });
    const part1 = await target.client.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        PartNumber: 1,
        Body: first,
        ...SSE_C,
      }),
    );
    const part2 = await target.client.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        PartNumber: 2,
        Body: last,
        ...SSE_C,
      }),
    );
    await target.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: part1.ETag },
            { PartNumber: 2, ETag: part2.ETag },
          ],
        },
      }),
    );
    const readWithoutKey = await sdkError(
      target.client.send(new GetObjectCommand({ Bucket: bucket, Key: key })),
    );

    // Assess
    expect(created).toMatchObject({ SSECustomerAlgorithm: 'AES256', SSECustomerKeyMD5: KEY_MD5 });
    expect(withoutKey).toEqual({ name: 'InvalidRequest', status: 400 });
    expect(expectS3Error(withOtherKey, 'InvalidRequest', 400).Message).toBe(
      'The provided encryption parameters did not match the ones used originally.',
    );
    expect(part1).toMatchObject({ SSECustomerAlgorithm: 'AES256', SSECustomerKeyMD5: KEY_MD5 });
    expect(readWithoutKey).toEqual({ name: 'InvalidRequest', status: 400 });
    expect((await bodyOf(key, SSE_C)).equals(Buffer.concat([first, last]))).toBe(true);
  });

  it('copies an SSE-C source only with its key in the copy-source headers', async () => {
    // Prepare
    await target.client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'copy-source', Body: 'copied', ...SSE_C }),
    );
    const copy = (extra: Record<string, string>) =>
      target.client.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: 'copy-target',
          CopySource: `${bucket}/copy-source`,
          ...extra,
        }),
      );

    // Act
    const withoutKey = await sdkError(copy({}));
    const copied = await copy({
      CopySourceSSECustomerAlgorithm: 'AES256',
      CopySourceSSECustomerKey: KEY.toString('base64'),
      CopySourceSSECustomerKeyMD5: KEY_MD5,
    });

    // Assess
    expect(withoutKey).toEqual({ name: 'InvalidRequest', status: 400 });
    // The target names no encryption: it is SSE-S3 and readable without a key.
    expect(copied.ServerSideEncryption).toBe('AES256');
    expect((await bodyOf('copy-target')).toString()).toBe('copied');
  });

  it('copies an SSE-C source into a multipart part only with its key (UploadPartCopy)', async () => {
    // Prepare
    await target.client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'part-source', Body: 'part', ...SSE_C }),
    );
    const created = await target.client.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'part-target' }),
    );
    const copyPart = (extra: Record<string, string>) =>
      target.client.send(
        new UploadPartCopyCommand({
          Bucket: bucket,
          Key: 'part-target',
          UploadId: created.UploadId,
          PartNumber: 1,
          CopySource: `${bucket}/part-source`,
          ...extra,
        }),
      );

    // Act
    const withoutKey = await sdkError(copyPart({}));
    const copied = await copyPart({
      CopySourceSSECustomerAlgorithm: 'AES256',
      CopySourceSSECustomerKey: KEY.toString('base64'),
      CopySourceSSECustomerKeyMD5: KEY_MD5,
    });

    // Assess
    expect(withoutKey).toEqual({ name: 'InvalidRequest', status: 400 });
    expect(copied.CopyPartResult?.ETag).toMatch(/^"[0-9a-f]{32}"$/);
  });
});

describe('bucket default encryption', () => {
  it('answers the SSE-S3 default for a bucket never configured', async () => {
    // Prepare
    const fresh = await target.createBucket('enc-default');

    // Act
    const got = await target.client.send(new GetBucketEncryptionCommand({ Bucket: fresh }));

    // Assess
    expect(got.ServerSideEncryptionConfiguration?.Rules).toEqual([
      { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false },
    ]);
  });

  it('applies a PutBucketEncryption rule to writes without headers until DeleteBucketEncryption', async () => {
    // Prepare
    const configured = await target.createBucket('enc-kms');
    const rule = {
      ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' as const, KMSMasterKeyID: 'alias/drill' },
      BucketKeyEnabled: true,
    };

    // Act
    await target.client.send(
      new PutBucketEncryptionCommand({
        Bucket: configured,
        ServerSideEncryptionConfiguration: { Rules: [rule] },
      }),
    );
    const got = await target.client.send(new GetBucketEncryptionCommand({ Bucket: configured }));
    const defaulted = await target.client.send(
      new PutObjectCommand({ Bucket: configured, Key: 'k', Body: 'x' }),
    );
    const overridden = await target.client.send(
      new PutObjectCommand({ Bucket: configured, Key: 'k2', Body: 'x', ServerSideEncryption: 'AES256' }),
    );
    await target.client.send(new DeleteBucketEncryptionCommand({ Bucket: configured }));
    const afterDelete = await target.client.send(new GetBucketEncryptionCommand({ Bucket: configured }));
    const plain = await target.client.send(
      new PutObjectCommand({ Bucket: configured, Key: 'k3', Body: 'x' }),
    );
    const kept = await target.client.send(new HeadObjectCommand({ Bucket: configured, Key: 'k' }));

    // Assess
    expect(got.ServerSideEncryptionConfiguration?.Rules).toEqual([rule]);
    expect(defaulted).toMatchObject({
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: 'arn:aws:kms:us-east-1:000000000000:alias/drill',
      BucketKeyEnabled: true,
    });
    expect(overridden.ServerSideEncryption).toBe('AES256');
    expect(
      afterDelete.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault,
    ).toEqual({
      SSEAlgorithm: 'AES256',
    });
    expect(plain.ServerSideEncryption).toBe('AES256');
    // An object keeps the encryption it was written with.
    expect(kept.ServerSideEncryption).toBe('aws:kms');
  });

  it('refuses SSE-C writes once BlockedEncryptionTypes names SSE-C, and takes them again with NONE', async () => {
    // Prepare
    const blocking = await target.createBucket('enc-block');
    const rule = (type: 'SSE-C' | 'NONE') => ({
      ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' as const },
      BucketKeyEnabled: false,
      BlockedEncryptionTypes: { EncryptionType: [type] },
    });

    // Act
    await target.client.send(
      new PutBucketEncryptionCommand({
        Bucket: blocking,
        ServerSideEncryptionConfiguration: { Rules: [rule('SSE-C')] },
      }),
    );
    const got = await target.client.send(new GetBucketEncryptionCommand({ Bucket: blocking }));
    const blocked = await rawRequest(target.endpoint, {
      method: 'PUT',
      path: `/${blocking}/k`,
      headers: { ...SSE_C_HEADERS, 'content-length': 1 },
      body: 'x',
    });
    const plain = await target.client.send(
      new PutObjectCommand({ Bucket: blocking, Key: 'plain', Body: 'x' }),
    );
    await target.client.send(
      new PutBucketEncryptionCommand({
        Bucket: blocking,
        ServerSideEncryptionConfiguration: { Rules: [rule('NONE')] },
      }),
    );
    const allowed = await target.client.send(
      new PutObjectCommand({ Bucket: blocking, Key: 'k', Body: 'x', ...SSE_C }),
    );

    // Assess
    expect(got.ServerSideEncryptionConfiguration?.Rules).toEqual([rule('SSE-C')]);
    expectS3Error(blocked, 'AccessDenied', 403);
    expect(plain.ServerSideEncryption).toBe('AES256');
    expect(allowed.SSECustomerKeyMD5).toBe(KEY_MD5);
  });

  it.each([
    [
      'no rule',
      'MalformedXML',
      '<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></ServerSideEncryptionConfiguration>',
    ],
    [
      'an unknown algorithm',
      'MalformedXML',
      '<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>DES</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>',
    ],
    [
      'a KMS key with AES256',
      'InvalidArgument',
      '<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm><KMSMasterKeyID>k</KMSMasterKeyID></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>',
    ],
  ])('refuses a configuration with %s (400 %s)', async (_label, code, xml) => {
    // Act
    const response = await rawRequest(target.endpoint, {
      method: 'PUT',
      path: `/${bucket}?encryption`,
      headers: { 'content-length': Buffer.byteLength(xml) },
      body: xml,
    });

    // Assess
    expectS3Error(response, code, 400);
  });

  it('answers NoSuchBucket for a bucket that does not exist', async () => {
    // Act
    const error = await sdkError(
      target.client.send(new GetBucketEncryptionCommand({ Bucket: 'no-such-enc-bucket' })),
    );

    // Assess
    expect(error).toEqual({ name: 'NoSuchBucket', status: 404 });
  });
});

describe('aws-cli', () => {
  it('puts and gets a bucket encryption and uploads with s3 cp --sse', async () => {
    // Prepare
    const cliBucket = await target.createBucket('enc-cli');
    const dir = await mkdtemp(join(tmpdir(), 'mock-s3-enc-'));
    const file = join(dir, 'file.txt');
    await writeFile(file, 'cli bytes');
    const options = { endpoint: target.endpoint };
    const configuration = JSON.stringify({
      Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'cli-key' } }],
    });

    try {
      // Act
      const put = await awsCli(
        [
          's3api',
          'put-bucket-encryption',
          '--bucket',
          cliBucket,
          '--server-side-encryption-configuration',
          configuration,
        ],
        options,
      );
      const got = await awsCli(['s3api', 'get-bucket-encryption', '--bucket', cliBucket], options);
      const copied = await awsCli(
        ['s3', 'cp', file, `s3://${cliBucket}/sse.txt`, '--sse', 'AES256'],
        options,
      );
      const head = await awsCli(['s3api', 'head-object', '--bucket', cliBucket, '--key', 'sse.txt'], options);
      const kmsCopy = await awsCli(
        ['s3', 'cp', file, `s3://${cliBucket}/kms.txt`, '--sse', 'aws:kms'],
        options,
      );
      const kmsHead = await awsCli(
        ['s3api', 'head-object', '--bucket', cliBucket, '--key', 'kms.txt'],
        options,
      );

      // Assess
      expect(put.code).toBe(0);
      expect(got.code).toBe(0);
      expect(JSON.parse(got.stdout).ServerSideEncryptionConfiguration.Rules[0]).toEqual({
        ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'cli-key' },
        BucketKeyEnabled: false,
      });
      expect(copied.code).toBe(0);
      expect(JSON.parse(head.stdout).ServerSideEncryption).toBe('AES256');
      expect(kmsCopy.code).toBe(0);
      expect(JSON.parse(kmsHead.stdout)).toMatchObject({
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: expect.stringMatching(KMS_ARN),
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
