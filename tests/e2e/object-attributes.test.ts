import { createHash, randomBytes } from 'node:crypto';
import {
  type ChecksumAlgorithm,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { expectS3Error, parseXml, rawRequest, sdkError } from '../support/e2e/http.js';
import { checksumBase64, md5Hex, multipartEtag } from '../support/e2e/payload.js';
import { type Target, useTarget } from '../support/e2e/server.js';

jest.setTimeout(120_000);

const MiB = 1024 * 1024;
const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(1024)];
const whole = Buffer.concat(parts);
const ALL = ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'] as const;

let target: Target;
let bucket: string;

beforeAll(async () => {
  target = await useTarget();
  bucket = await target.createBucket('attributes');
  await uploadMultipart('composite-crc32', 'CRC32');
  await uploadMultipart('full-crc64nvme', 'CRC64NVME');
});

afterAll(async () => {
  await target?.close();
});

/** A three-part upload whose parts carry `algorithm` checksums (COMPOSITE for CRC32, FULL_OBJECT for CRC64NVME). */
async function uploadMultipart(key: string, algorithm: ChecksumAlgorithm): Promise<void> {
  const created = await target.client.send(
    new CreateMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      ChecksumAlgorithm: algorithm,
      StorageClass: 'STANDARD_IA',
    }),
  );
  const uploaded = [];
  for (const [index, body] of parts.entries()) {
    const part = await target.client.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId: created.UploadId,
        PartNumber: index + 1,
        Body: body,
        ChecksumAlgorithm: algorithm,
      }),
    );
    uploaded.push({
      PartNumber: index + 1,
      ETag: part.ETag,
      [`Checksum${algorithm}`]: part[`Checksum${algorithm}`],
    });
  }
  await target.client.send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      UploadId: created.UploadId,
      MultipartUpload: { Parts: uploaded },
    }),
  );
}

async function crc32Composite(): Promise<{ partChecksums: string[]; composite: string }> {
  const partChecksums = await Promise.all(parts.map((part) => checksumBase64('CRC32', part)));
  const binary = Buffer.concat(partChecksums.map((value) => Buffer.from(value, 'base64')));
  return { partChecksums, composite: await checksumBase64('CRC32', binary) };
}

describe('GetObjectAttributes', () => {
  it('answers ETag (unquoted), Checksum, StorageClass and ObjectSize of a single-part object, without ObjectParts', async () => {
    // Prepare
    const body = Buffer.from('attributes of a simple object');
    const put = await target.client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'simple', Body: body, ChecksumAlgorithm: 'CRC32' }),
    );

    // Act
    const got = await target.client.send(
      new GetObjectAttributesCommand({ Bucket: bucket, Key: 'simple', ObjectAttributes: [...ALL] }),
    );

    // Assess
    expect(got.ETag).toBe(md5Hex(body));
    expect(got.Checksum).toEqual({
      ChecksumCRC32: await checksumBase64('CRC32', body),
      ChecksumType: 'FULL_OBJECT',
    });
    expect(got.StorageClass).toBe('STANDARD');
    expect(got.ObjectSize).toBe(body.length);
    expect(got.ObjectParts).toBeUndefined();
    expect(got.LastModified?.toUTCString()).toBe(
      (
        await target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'simple' }))
      ).LastModified?.toUTCString(),
    );
    expect(put.ETag).toBe(`"${got.ETag}"`);
  });

  it('answers only the attributes asked for, in S3 element order', async () => {
    // Prepare
    await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'order', Body: 'x' }));

    // Act
    const response = await rawRequest(target.endpoint, {
      method: 'GET',
      path: `/${bucket}/order?attributes`,
      headers: { 'x-amz-object-attributes': 'ObjectSize,ETag' },
    });

    // Assess
    expect(response.status).toBe(200);
    expect(response.text).toMatch(
      /<GetObjectAttributesResponse xmlns="http:\/\/s3\.amazonaws\.com\/doc\/2006-03-01\/"><ETag>[0-9a-f]{32}<\/ETag><ObjectSize>1<\/ObjectSize><\/GetObjectAttributesResponse>$/,
    );
    expect(response.headers['last-modified']).toEqual(expect.any(String));
  });

  it('lists the parts of a multipart object with a COMPOSITE checksum, sizes and part checksums', async () => {
    // Prepare
    const { partChecksums, composite } = await crc32Composite();

    // Act
    const got = await target.client.send(
      new GetObjectAttributesCommand({ Bucket: bucket, Key: 'composite-crc32', ObjectAttributes: [...ALL] }),
    );

    // Assess
    expect(got.ETag).toBe(multipartEtag(parts).replace(/"/g, ''));
    // The composite value without GetObject's "-3".
    expect(got.Checksum).toEqual({ ChecksumCRC32: composite, ChecksumType: 'COMPOSITE' });
    expect(got.StorageClass).toBe('STANDARD_IA');
    expect(got.ObjectSize).toBe(whole.length);
    expect(got.ObjectParts).toEqual({
      TotalPartsCount: 3,
      PartNumberMarker: '0',
      NextPartNumberMarker: '3',
      MaxParts: 1000,
      IsTruncated: false,
      Parts: parts.map((part, index) => ({
        PartNumber: index + 1,
        Size: part.length,
        ChecksumCRC32: partChecksums[index],
      })),
    });
  });

  it('pages the parts with MaxParts and PartNumberMarker', async () => {
    // Act
    const first = await target.client.send(
      new GetObjectAttributesCommand({
        Bucket: bucket,
        Key: 'composite-crc32',
        ObjectAttributes: ['ObjectParts'],
        MaxParts: 2,
      }),
    );
    const second = await target.client.send(
      new GetObjectAttributesCommand({
        Bucket: bucket,
        Key: 'composite-crc32',
        ObjectAttributes: ['ObjectParts'],
        MaxParts: 2,
        PartNumberMarker: first.ObjectParts?.NextPartNumberMarker,
      }),
    );

    // Assess
    expect(first.ObjectParts).toMatchObject({ IsTruncated: true, NextPartNumberMarker: '2', MaxParts: 2 });
    expect(first.ObjectParts?.Parts?.map((part) => part.PartNumber)).toEqual([1, 2]);
    expect(second.ObjectParts).toMatchObject({
      IsTruncated: false,
      PartNumberMarker: '2',
      NextPartNumberMarker: '3',
    });
    expect(second.ObjectParts?.Parts?.map((part) => [part.PartNumber, part.Size])).toEqual([[3, 1024]]);
  });

  it('gives a FULL_OBJECT (CRC64NVME) multipart object its full checksum and PartsCount only', async () => {
    // Act
    const got = await target.client.send(
      new GetObjectAttributesCommand({
        Bucket: bucket,
        Key: 'full-crc64nvme',
        ObjectAttributes: ['Checksum', 'ObjectParts'],
      }),
    );

    // Assess
    expect(got.Checksum).toEqual({
      ChecksumCRC64NVME: await checksumBase64('CRC64NVME', whole),
      ChecksumType: 'FULL_OBJECT',
    });
    expect(got.ObjectParts).toEqual({ TotalPartsCount: 3 });
  });

  it.each([
    [
      'no x-amz-object-attributes',
      'InvalidRequest',
      {},
      'The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty',
    ],
    [
      'an unknown attribute',
      'InvalidArgument',
      { 'x-amz-object-attributes': 'ETag,Colour' },
      'Invalid attribute name specified.',
    ],
    [
      'a max-parts that is not a number',
      'InvalidArgument',
      { 'x-amz-object-attributes': 'ObjectParts', 'x-amz-max-parts': 'many' },
      'Provided x-amz-max-parts not an integer or within integer range',
    ],
  ])('refuses a request with %s (400 %s)', async (_label, code, headers, message) => {
    // Act
    const response = await rawRequest(target.endpoint, {
      method: 'GET',
      path: `/${bucket}/composite-crc32?attributes`,
      headers,
    });

    // Assess
    expect(expectS3Error(response, code, 400).Message).toBe(message);
  });

  it('answers NoSuchKey for a missing key and needs the key of an SSE-C object', async () => {
    // Prepare
    const key = randomBytes(32);
    const sseC = {
      SSECustomerAlgorithm: 'AES256',
      SSECustomerKey: key.toString('base64'),
      SSECustomerKeyMD5: createHash('md5').update(key).digest('base64'),
    };
    await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'customer', Body: 'x', ...sseC }));

    // Act
    const missing = await sdkError(
      target.client.send(
        new GetObjectAttributesCommand({ Bucket: bucket, Key: 'nothing', ObjectAttributes: ['ETag'] }),
      ),
    );
    const withoutKey = await sdkError(
      target.client.send(
        new GetObjectAttributesCommand({ Bucket: bucket, Key: 'customer', ObjectAttributes: ['ETag'] }),
      ),
    );
    const withKey = await target.client.send(
      new GetObjectAttributesCommand({
        Bucket: bucket,
        Key: 'customer',
        ObjectAttributes: ['ObjectSize'],
        ...sseC,
      }),
    );

    // Assess
    expect(missing).toEqual({ name: 'NoSuchKey', status: 404 });
    expect(withoutKey).toEqual({ name: 'InvalidRequest', status: 400 });
    expect(withKey.ObjectSize).toBe(1);
  });
});

describe('x-amz-checksum-mode on multipart objects', () => {
  it('returns the composite checksum with -N and COMPOSITE on a whole-object GET and HEAD', async () => {
    // Prepare
    const { composite } = await crc32Composite();

    // Act
    const head = await target.client.send(
      new HeadObjectCommand({ Bucket: bucket, Key: 'composite-crc32', ChecksumMode: 'ENABLED' }),
    );
    const got = await target.client.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'composite-crc32', ChecksumMode: 'ENABLED' }),
    );
    const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? []);

    // Assess
    expect([head.ChecksumCRC32, head.ChecksumType]).toEqual([`${composite}-3`, 'COMPOSITE']);
    expect([got.ChecksumCRC32, got.ChecksumType]).toEqual([`${composite}-3`, 'COMPOSITE']);
    expect(bytes.equals(whole)).toBe(true);
  });

  it('returns the full-object checksum of a FULL_OBJECT multipart object', async () => {
    // Act
    const head = await target.client.send(
      new HeadObjectCommand({ Bucket: bucket, Key: 'full-crc64nvme', ChecksumMode: 'ENABLED' }),
    );

    // Assess
    expect([head.ChecksumCRC64NVME, head.ChecksumType]).toEqual([
      await checksumBase64('CRC64NVME', whole),
      'FULL_OBJECT',
    ]);
  });

  it("returns a part's own checksum for GET and HEAD ?partNumber=N of a COMPOSITE object (the SDK validates it)", async () => {
    // Prepare
    const { partChecksums } = await crc32Composite();

    // Act
    const got = await target.client.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: 'composite-crc32',
        PartNumber: 2,
        ChecksumMode: 'ENABLED',
      }),
    );
    const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
    const head = await rawRequest(target.endpoint, {
      method: 'HEAD',
      path: `/${bucket}/composite-crc32?partNumber=3`,
      headers: { 'x-amz-checksum-mode': 'ENABLED' },
    });

    // Assess
    expect([got.ChecksumCRC32, got.ChecksumType, got.PartsCount]).toEqual([partChecksums[1], 'COMPOSITE', 3]);
    expect(bytes.equals(parts[1] as Buffer)).toBe(true);
    expect(head.status).toBe(206);
    expect(head.headers['x-amz-checksum-crc32']).toBe(partChecksums[2]);
  });

  it('returns no checksum for ?partNumber=N of a FULL_OBJECT object with several parts', async () => {
    // Act
    const head = await rawRequest(target.endpoint, {
      method: 'HEAD',
      path: `/${bucket}/full-crc64nvme?partNumber=1`,
      headers: { 'x-amz-checksum-mode': 'ENABLED' },
    });

    // Assess
    expect(head.status).toBe(206);
    expect(head.headers['x-amz-checksum-crc64nvme']).toBeUndefined();
    expect(parseXml(head.text)).toEqual({});
  });
});
