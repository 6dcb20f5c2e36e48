import { createHash } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteBucketTaggingCommand,
  DeleteObjectCommand,
  DeleteObjectTaggingCommand,
  GetBucketTaggingCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { expectS3Error, parseXml, rawRequest, sdkError } from '../support/e2e/http.js';
import { awsCli, type CliResult, type Target, useTarget } from '../support/e2e/server.js';

jest.setTimeout(60_000);

let target: Target;
let bucket: string;

beforeAll(async () => {
  target = await useTarget();
  bucket = await target.createBucket('tagging');
});

afterAll(async () => {
  await target?.close();
});

function aws(...args: string[]): Promise<CliResult> {
  return awsCli(args, { endpoint: target.endpoint });
}

async function put(key: string, tagging?: string): Promise<void> {
  await target.client.send(
    new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'tagged', Tagging: tagging }),
  );
}

async function tagsOf(key: string): Promise<{ Key?: string; Value?: string }[] | undefined> {
  return (await target.client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }))).TagSet;
}

function taggingBody(tags: [string, string][]): string {
  const items = tags.map(([key, value]) => `<Tag><Key>${key}</Key><Value>${value}</Value></Tag>`).join('');
  return `<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet>${items}</TagSet></Tagging>`;
}

/** A raw PUT ?tagging with the Content-MD5 S3 asks for. */
function putTaggingRaw(path: string, body: string, headers: Record<string, string> = {}) {
  const md5 = createHash('md5').update(body).digest('base64');
  return rawRequest(target.endpoint, {
    method: 'PUT',
    path,
    headers: { 'content-md5': md5, 'content-length': Buffer.byteLength(body), ...headers },
    body,
  });
}

const numbered = (count: number): [string, string][] =>
  Array.from({ length: count }, (_, i) => [`k${i}`, `v${i}`]);

describe('object tagging through the SDK', () => {
  it('PutObjectTagging replaces the set, GetObjectTagging answers it in order, DeleteObjectTagging empties it', async () => {
    // Prepare
    await put('replace.txt', 'first=1');
    const before = await target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'replace.txt' }));

    // Act
    const putAnswer = await target.client.send(
      new PutObjectTaggingCommand({
        Bucket: bucket,
        Key: 'replace.txt',
        Tagging: {
          TagSet: [
            { Key: 'zeta', Value: 'last' },
            { Key: 'alpha', Value: '' },
            { Key: 'Ünï 中', Value: 'a b+c=d' },
          ],
        },
      }),
    );
    const tags = await tagsOf('replace.txt');
    const deleted = await target.client.send(
      new DeleteObjectTaggingCommand({ Bucket: bucket, Key: 'replace.txt' }),
    );
    const after = await target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'replace.txt' }));

    // Assess: the object itself is not rewritten (same ETag and Last-Modified).
    expect(putAnswer.$metadata.httpStatusCode).toBe(200);
    expect(putAnswer.VersionId).toBeUndefined();
    expect(tags).toEqual([
      { Key: 'zeta', Value: 'last' },
      { Key: 'alpha', Value: '' },
      { Key: 'Ünï 中', Value: 'a b+c=d' },
    ]);
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    expect(await tagsOf('replace.txt')).toEqual([]);
    expect([after.ETag, after.LastModified]).toEqual([before.ETag, before.LastModified]);
  });

  it('PutObject and CreateMultipartUpload take x-amz-tagging; GET and HEAD count the tags', async () => {
    // Prepare
    const part = Buffer.alloc(1024, 1);

    // Act
    await put('header.txt', 'project=blue&team=a%20b');
    const upload = await target.client.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'multipart.bin', Tagging: 'kind=multipart' }),
    );
    const uploaded = await target.client.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: 'multipart.bin',
        UploadId: upload.UploadId,
        PartNumber: 1,
        Body: part,
      }),
    );
    await target.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: 'multipart.bin',
        UploadId: upload.UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: uploaded.ETag }] },
      }),
    );
    const head = await target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'header.txt' }));
    const get = await target.client.send(new GetObjectCommand({ Bucket: bucket, Key: 'multipart.bin' }));
    await get.Body?.transformToByteArray();
    await put('untagged.txt');
    const untagged = await target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'untagged.txt' }));

    // Assess
    expect(await tagsOf('header.txt')).toEqual([
      { Key: 'project', Value: 'blue' },
      { Key: 'team', Value: 'a b' },
    ]);
    expect(await tagsOf('multipart.bin')).toEqual([{ Key: 'kind', Value: 'multipart' }]);
    expect(head.TagCount).toBe(2);
    expect(get.TagCount).toBe(1);
    expect(untagged.TagCount).toBeUndefined();
    expect(await tagsOf('untagged.txt')).toEqual([]);
  });

  it('a new write of a key starts with its own tags, never the previous ones', async () => {
    await put('rewritten.txt', 'old=1');
    await put('rewritten.txt');
    expect(await tagsOf('rewritten.txt')).toEqual([]);
  });

  it('CopyObject copies the source tags by default and with COPY, takes the header with REPLACE', async () => {
    // Prepare
    await put('copy-source.txt', 'from=source');
    const source = `${bucket}/copy-source.txt`;

    // Act
    await target.client.send(
      new CopyObjectCommand({ Bucket: bucket, Key: 'copy-default.txt', CopySource: source }),
    );
    await target.client.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: 'copy-copy.txt',
        CopySource: source,
        TaggingDirective: 'COPY',
        Tagging: 'ignored=yes',
      }),
    );
    await target.client.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: 'copy-replace.txt',
        CopySource: source,
        TaggingDirective: 'REPLACE',
        Tagging: 'to=target',
      }),
    );
    await target.client.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: 'copy-none.txt',
        CopySource: source,
        TaggingDirective: 'REPLACE',
      }),
    );

    // Assess
    expect(await tagsOf('copy-default.txt')).toEqual([{ Key: 'from', Value: 'source' }]);
    expect(await tagsOf('copy-copy.txt')).toEqual([{ Key: 'from', Value: 'source' }]);
    expect(await tagsOf('copy-replace.txt')).toEqual([{ Key: 'to', Value: 'target' }]);
    expect(await tagsOf('copy-none.txt')).toEqual([]);
  });
});

describe('bucket tagging through the SDK', () => {
  it('Put/Get/DeleteBucketTagging, NoSuchTagSet when there are none', async () => {
    // Prepare
    const tagged = await target.createBucket('bucket-tags');

    // Act
    const missing = await sdkError(target.client.send(new GetBucketTaggingCommand({ Bucket: tagged })));
    await target.client.send(
      new PutBucketTaggingCommand({
        Bucket: tagged,
        Tagging: { TagSet: numbered(50).map(([Key, Value]) => ({ Key, Value })) },
      }),
    );
    const got = await target.client.send(new GetBucketTaggingCommand({ Bucket: tagged }));
    const deleted = await target.client.send(new DeleteBucketTaggingCommand({ Bucket: tagged }));
    const gone = await sdkError(target.client.send(new GetBucketTaggingCommand({ Bucket: tagged })));

    // Assess
    expect(missing).toEqual({ name: 'NoSuchTagSet', status: 404 });
    expect(got.TagSet).toHaveLength(50);
    expect(got.TagSet?.[49]).toEqual({ Key: 'k49', Value: 'v49' });
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    expect(gone).toEqual({ name: 'NoSuchTagSet', status: 404 });
  });
});

describe('tagging through aws-cli', () => {
  it('s3api put-object-tagging, get-object-tagging and put-bucket-tagging', async () => {
    // Prepare
    await put('cli.txt');

    // Act
    const putTags = await aws(
      's3api',
      'put-object-tagging',
      '--bucket',
      bucket,
      '--key',
      'cli.txt',
      '--tagging',
      'TagSet=[{Key=env,Value=test},{Key=owner,Value=cli}]',
    );
    const getTags = await aws('s3api', 'get-object-tagging', '--bucket', bucket, '--key', 'cli.txt');
    const putBucketTags = await aws(
      's3api',
      'put-bucket-tagging',
      '--bucket',
      bucket,
      '--tagging',
      'TagSet=[{Key=cost-center,Value=42}]',
    );
    const getBucketTags = await aws('s3api', 'get-bucket-tagging', '--bucket', bucket);

    // Assess
    expect(putTags).toMatchObject({ code: 0 });
    expect(getTags).toMatchObject({ code: 0 });
    expect(JSON.parse(getTags.stdout).TagSet).toEqual([
      { Key: 'env', Value: 'test' },
      { Key: 'owner', Value: 'cli' },
    ]);
    expect(putBucketTags).toMatchObject({ code: 0 });
    expect(JSON.parse(getBucketTags.stdout).TagSet).toEqual([{ Key: 'cost-center', Value: '42' }]);
  });
});

describe('the wire', () => {
  it('GetObjectTagging answers the Tagging document S3 sends', async () => {
    // Prepare
    await put('wire.txt', 'a=1&b=x+%C3%BC');

    // Act
    const response = await rawRequest(target.endpoint, {
      method: 'GET',
      path: `/${bucket}/wire.txt?tagging`,
    });

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/xml');
    expect(response.headers['x-amz-version-id']).toBeUndefined();
    expect(response.text).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
        '<TagSet><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>b</Key><Value>x ü</Value></Tag></TagSet></Tagging>',
    );
  });
});

describe('AWS limits and errors', () => {
  it.each([
    ['11 tags', numbered(11), 'BadRequest', 'Object tags cannot be greater than 10'],
    [
      'a duplicate key',
      [
        ['a', '1'],
        ['a', '2'],
      ] as [string, string][],
      'InvalidTag',
      'Cannot provide multiple Tags with the same key',
    ],
    [
      'a 129-character key',
      [['k'.repeat(129), 'v']] as [string, string][],
      'InvalidTag',
      'The TagKey you have provided is too long, max 128',
    ],
    [
      'a 257-character value',
      [['k', 'v'.repeat(257)]] as [string, string][],
      'InvalidTag',
      'The TagValue you have provided is too long, max 256',
    ],
    [
      'the aws: prefix',
      [['aws:owner', 'v']] as [string, string][],
      'InvalidTag',
      'Your TagKey cannot be prefixed with aws:',
    ],
    [
      'a character S3 does not allow',
      [['a;b', 'v']] as [string, string][],
      'InvalidTag',
      'The TagKey you have provided is invalid',
    ],
  ])('PutObjectTagging with %s: %s', async (_name, tags, code, message) => {
    // Prepare
    await put('limits.txt');

    // Act
    const response = await putTaggingRaw(`/${bucket}/limits.txt?tagging`, taggingBody(tags));

    // Assess
    const error = expectS3Error(response, code, 400);
    expect(error.Message).toBe(message);
  });

  it('10 tags of 128 and 256 characters are accepted', async () => {
    await put('max.txt');
    const tags = Array.from({ length: 10 }, (_, i) => ({
      Key: `${i}`.padEnd(128, 'k'),
      Value: 'v'.repeat(256),
    }));
    await target.client.send(
      new PutObjectTaggingCommand({ Bucket: bucket, Key: 'max.txt', Tagging: { TagSet: tags } }),
    );
    expect(await tagsOf('max.txt')).toEqual(tags);
  });

  it('PutBucketTagging with 51 tags or the aws: prefix', async () => {
    const many = await putTaggingRaw(`/${bucket}?tagging`, taggingBody(numbered(51)));
    expect(expectS3Error(many, 'BadRequest', 400).Message).toBe('Bucket tag count cannot be greater than 50');
    const reserved = await putTaggingRaw(`/${bucket}?tagging`, taggingBody([['aws:cloudformation', 'x']]));
    expect(expectS3Error(reserved, 'InvalidTag', 400).Message).toBe(
      'System tags cannot be added/updated by requester',
    );
  });

  it.each([
    ['not XML', 'tags please'],
    ['no TagSet', '<Tagging></Tagging>'],
    ['a Tag without Value', '<Tagging><TagSet><Tag><Key>a</Key></Tag></TagSet></Tagging>'],
  ])('a body that is %s is MalformedXML', async (_name, body) => {
    await put('malformed.txt');
    expectS3Error(await putTaggingRaw(`/${bucket}/malformed.txt?tagging`, body), 'MalformedXML', 400);
  });

  it('an x-amz-tagging that is not URL query form is InvalidArgument; 11 tags in it are BadRequest', async () => {
    const notQuery = await sdkError(put('bad-header.txt', 'TagSet=[{Key=string,Value=string}]'));
    const duplicate = await rawRequest(target.endpoint, {
      method: 'PUT',
      path: `/${bucket}/bad-header.txt`,
      headers: { 'x-amz-tagging': 'a=1&a=2', 'content-length': 0 },
    });
    const many = await sdkError(
      put(
        'bad-header.txt',
        numbered(11)
          .map(([k, v]) => `${k}=${v}`)
          .join('&'),
      ),
    );

    expect(notQuery).toEqual({ name: 'InvalidArgument', status: 400 });
    const error = expectS3Error(duplicate, 'InvalidArgument', 400);
    expect(error.Message).toBe(
      "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.",
    );
    expect(parseXml(duplicate.text)).toMatchObject({
      Error: { ArgumentName: 'x-amz-tagging', ArgumentValue: 'a=1&a=2' },
    });
    expect(many).toEqual({ name: 'BadRequest', status: 400 });
    // Nothing was stored by the refused writes.
    expect(
      await sdkError(target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'bad-header.txt' }))),
    ).toEqual({
      name: 'NotFound',
      status: 404,
    });
  });

  it('an unknown x-amz-tagging-directive is InvalidArgument', async () => {
    await put('directive.txt');
    const response = await rawRequest(target.endpoint, {
      method: 'PUT',
      path: `/${bucket}/directive-copy.txt`,
      headers: {
        'x-amz-copy-source': `/${bucket}/directive.txt`,
        'x-amz-tagging-directive': 'MERGE',
        'content-length': 0,
      },
    });
    expect(expectS3Error(response, 'InvalidArgument', 400).Message).toBe('Unknown tagging directive.');
  });

  it('tagging a missing key or version: NoSuchKey, NoSuchVersion, NoSuchBucket', async () => {
    await put('present.txt');
    expect(await sdkError(tagsOf('absent.txt'))).toEqual({ name: 'NoSuchKey', status: 404 });
    expect(
      await sdkError(
        target.client.send(
          new PutObjectTaggingCommand({ Bucket: bucket, Key: 'absent.txt', Tagging: { TagSet: [] } }),
        ),
      ),
    ).toEqual({ name: 'NoSuchKey', status: 404 });
    expect(
      await sdkError(
        target.client.send(
          new GetObjectTaggingCommand({ Bucket: bucket, Key: 'present.txt', VersionId: 'A'.repeat(32) }),
        ),
      ),
    ).toEqual({ name: 'NoSuchVersion', status: 404 });
    expect(
      await sdkError(target.client.send(new GetObjectTaggingCommand({ Bucket: `${bucket}-none`, Key: 'a' }))),
    ).toEqual({ name: 'NoSuchBucket', status: 404 });
  });
});

describe('tags per version', () => {
  let versioned: string;

  beforeAll(async () => {
    versioned = await target.createBucket('tagging-versions');
    await target.client.send(
      new PutBucketVersioningCommand({ Bucket: versioned, VersioningConfiguration: { Status: 'Enabled' } }),
    );
  });

  async function tagsAt(key: string, versionId?: string) {
    return target.client.send(
      new GetObjectTaggingCommand({ Bucket: versioned, Key: key, VersionId: versionId }),
    );
  }

  it('a new version starts with its own tags; tagging by versionId changes that version only', async () => {
    // Prepare
    const first = await target.client.send(
      new PutObjectCommand({ Bucket: versioned, Key: 'doc.txt', Body: 'one', Tagging: 'state=draft' }),
    );
    const second = await target.client.send(
      new PutObjectCommand({ Bucket: versioned, Key: 'doc.txt', Body: 'two' }),
    );

    // Act
    const currentBefore = await tagsAt('doc.txt');
    const noncurrentBefore = await tagsAt('doc.txt', first.VersionId);
    const tagged = await target.client.send(
      new PutObjectTaggingCommand({
        Bucket: versioned,
        Key: 'doc.txt',
        VersionId: first.VersionId,
        Tagging: { TagSet: [{ Key: 'state', Value: 'archived' }] },
      }),
    );
    const taggedCurrent = await target.client.send(
      new PutObjectTaggingCommand({
        Bucket: versioned,
        Key: 'doc.txt',
        Tagging: { TagSet: [{ Key: 'state', Value: 'final' }] },
      }),
    );
    const noncurrentAfter = await tagsAt('doc.txt', first.VersionId);
    const currentAfter = await tagsAt('doc.txt');
    const headOld = await target.client.send(
      new HeadObjectCommand({ Bucket: versioned, Key: 'doc.txt', VersionId: first.VersionId }),
    );
    const deleted = await target.client.send(
      new DeleteObjectTaggingCommand({ Bucket: versioned, Key: 'doc.txt', VersionId: first.VersionId }),
    );

    // Assess
    expect(first.VersionId).toEqual(expect.any(String));
    expect(second.VersionId).not.toBe(first.VersionId);
    expect(currentBefore.TagSet).toEqual([]);
    expect(currentBefore.VersionId).toBe(second.VersionId);
    expect(noncurrentBefore.TagSet).toEqual([{ Key: 'state', Value: 'draft' }]);
    expect(noncurrentBefore.VersionId).toBe(first.VersionId);
    expect(tagged.VersionId).toBe(first.VersionId);
    expect(taggedCurrent.VersionId).toBe(second.VersionId);
    expect(noncurrentAfter.TagSet).toEqual([{ Key: 'state', Value: 'archived' }]);
    expect(currentAfter.TagSet).toEqual([{ Key: 'state', Value: 'final' }]);
    expect(headOld.TagCount).toBe(1);
    expect(deleted.VersionId).toBe(first.VersionId);
    expect((await tagsAt('doc.txt', first.VersionId)).TagSet).toEqual([]);
    expect((await tagsAt('doc.txt')).TagSet).toEqual([{ Key: 'state', Value: 'final' }]);
  });

  it("a delete marker: NoSuchKey for the key's tags, 405 MethodNotAllowed for the marker's version", async () => {
    // Prepare
    const kept = await target.client.send(
      new PutObjectCommand({ Bucket: versioned, Key: 'gone.txt', Body: 'x', Tagging: 'keep=yes' }),
    );
    const marker = await target.client.send(new DeleteObjectCommand({ Bucket: versioned, Key: 'gone.txt' }));

    // Act
    const current = await sdkError(tagsAt('gone.txt'));
    const onMarker = await rawRequest(target.endpoint, {
      method: 'GET',
      path: `/${versioned}/gone.txt?tagging&versionId=${encodeURIComponent(marker.VersionId ?? '')}`,
    });

    // Assess
    expect(marker.DeleteMarker).toBe(true);
    expect(current).toEqual({ name: 'NoSuchKey', status: 404 });
    expectS3Error(onMarker, 'MethodNotAllowed', 405);
    expect(onMarker.headers['x-amz-delete-marker']).toBe('true');
    expect((await tagsAt('gone.txt', kept.VersionId)).TagSet).toEqual([{ Key: 'keep', Value: 'yes' }]);
  });
});
