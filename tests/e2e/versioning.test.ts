import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { expectS3Error, parseXml, rawRequest, sdkError } from '../support/e2e/http.js';
import { type Target, useTarget } from '../support/e2e/server.js';

jest.setTimeout(60_000);

let target: Target;

beforeAll(async () => {
  target = await useTarget();
});

afterAll(async () => {
  await target?.close();
});

async function versionedBucket(status: 'Enabled' | 'Suspended' = 'Enabled'): Promise<string> {
  const bucket = await target.createBucket('ver');
  await target.client.send(
    new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: status } }),
  );
  return bucket;
}

async function put(bucket: string, key: string, body: string) {
  return target.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

async function read(bucket: string, key: string, versionId?: string) {
  const got = await target.client.send(
    new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }),
  );
  return { body: await got.Body?.transformToString(), versionId: got.VersionId };
}

/** `key@id` for each version and `key@id(m)` for each marker, `*` on the latest, in listing order. */
async function versionsOf(bucket: string, prefix?: string): Promise<string[]> {
  const page = await rawRequest(target.endpoint, {
    method: 'GET',
    path: `/${bucket}?versions${prefix ? `&prefix=${encodeURIComponent(prefix)}` : ''}`,
  });
  return entriesOf(page.text);
}

/** The Version and DeleteMarker elements of a ListVersionsResult, in document order. */
function entriesOf(xml: string): string[] {
  const entries: string[] = [];
  for (const match of xml.matchAll(/<(Version|DeleteMarker)>(.*?)<\/\1>/g)) {
    const field = (name: string) => new RegExp(`<${name}>(.*?)</${name}>`).exec(match[2]!)?.[1];
    entries.push(
      `${field('Key')}@${field('VersionId')}${match[1] === 'DeleteMarker' ? '(m)' : ''}${field('IsLatest') === 'true' ? '*' : ''}`,
    );
  }
  return entries;
}

/** Well-formed (32 URL-safe characters, as S3's ids) but never issued. */
const UNKNOWN_VERSION = 'x'.repeat(32);

const VERSIONING_XML = (inner: string) =>
  `<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${inner}</VersioningConfiguration>`;

describe('PutBucketVersioning and GetBucketVersioning', () => {
  it('reports no status for a new bucket, then the status put, and MfaDelete once it was named', async () => {
    // Prepare
    const bucket = await target.createBucket('ver');
    const get = () => target.client.send(new GetBucketVersioningCommand({ Bucket: bucket }));

    // Act
    const fresh = await get();
    await target.client.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
    );
    const enabled = await get();
    await target.client.send(
      new PutBucketVersioningCommand({
        Bucket: bucket,
        VersioningConfiguration: { Status: 'Suspended', MFADelete: 'Disabled' },
      }),
    );
    const suspended = await get();

    // Assess
    expect(fresh.Status).toBeUndefined();
    expect(fresh.MFADelete).toBeUndefined();
    expect(enabled.Status).toBe('Enabled');
    expect(enabled.MFADelete).toBeUndefined();
    expect(suspended.Status).toBe('Suspended');
    expect(suspended.MFADelete).toBe('Disabled');
  });

  it('answers S3 errors for a configuration without Status, an unknown Status and a missing bucket', async () => {
    // Prepare
    const bucket = await target.createBucket('ver');
    const putVersioning = (name: string, body: string) =>
      rawRequest(target.endpoint, { method: 'PUT', path: `/${name}?versioning`, body });

    // Act
    const noStatus = await putVersioning(bucket, VERSIONING_XML(''));
    const unknown = await putVersioning(bucket, VERSIONING_XML('<Status>Disabled</Status>'));
    const notXml = await putVersioning(bucket, 'Enabled');
    const missing = await putVersioning(`${bucket}-missing`, VERSIONING_XML('<Status>Enabled</Status>'));

    // Assess
    expect(expectS3Error(noStatus, 'IllegalVersioningConfigurationException', 400).Message).toBe(
      'The Versioning element must be specified',
    );
    expectS3Error(unknown, 'MalformedXML', 400);
    expectS3Error(notXml, 'MalformedXML', 400);
    expectS3Error(missing, 'NoSuchBucket', 404);
    const after = await target.client.send(new GetBucketVersioningCommand({ Bucket: bucket }));
    expect(after.Status).toBeUndefined();
  });

  it('refuses MFA delete: AccessDenied without an x-amz-mfa header, NotImplemented with one', async () => {
    // Prepare
    const bucket = await target.createBucket('ver');
    const body = VERSIONING_XML('<Status>Enabled</Status><MfaDelete>Enabled</MfaDelete>');

    // Act
    const withoutMfa = await rawRequest(target.endpoint, {
      method: 'PUT',
      path: `/${bucket}?versioning`,
      body,
    });
    const withMfa = await rawRequest(target.endpoint, {
      method: 'PUT',
      path: `/${bucket}?versioning`,
      headers: { 'x-amz-mfa': 'arn:aws:iam::123456789012:mfa/root 123456' },
      body,
    });

    // Assess
    expect(expectS3Error(withoutMfa, 'AccessDenied', 403).Message).toBe(
      'Mfa Authentication must be used for this request',
    );
    expectS3Error(withMfa, 'NotImplemented', 501);
    const after = await target.client.send(new GetBucketVersioningCommand({ Bucket: bucket }));
    expect(after.Status).toBeUndefined();
  });
});

describe('a never-versioned bucket', () => {
  it('sends no x-amz-version-id on PUT, GET and DELETE and lists its objects as null versions', async () => {
    // Prepare
    const bucket = await target.createBucket('ver');

    // Act
    const written = await rawRequest(target.endpoint, { method: 'PUT', path: `/${bucket}/k`, body: 'one' });
    const got = await rawRequest(target.endpoint, { method: 'GET', path: `/${bucket}/k` });
    const listed = await versionsOf(bucket);
    const deleted = await rawRequest(target.endpoint, { method: 'DELETE', path: `/${bucket}/k` });

    // Assess
    expect(written.headers['x-amz-version-id']).toBeUndefined();
    expect(got.headers['x-amz-version-id']).toBeUndefined();
    expect(listed).toEqual(['k@null*']);
    expect(deleted.status).toBe(204);
    expect(deleted.headers['x-amz-version-id']).toBeUndefined();
    expect(deleted.headers['x-amz-delete-marker']).toBeUndefined();
  });
});

describe('an Enabled bucket', () => {
  it('gives every write its own version id and reads each version back by id', async () => {
    // Prepare
    const bucket = await versionedBucket();

    // Act
    const first = await put(bucket, 'doc', 'first');
    const second = await put(bucket, 'doc', 'second');
    const latest = await read(bucket, 'doc');
    const old = await read(bucket, 'doc', first.VersionId);
    const head = await target.client.send(
      new HeadObjectCommand({ Bucket: bucket, Key: 'doc', VersionId: first.VersionId }),
    );

    // Assess
    expect(first.VersionId).toMatch(/^[A-Za-z0-9._-]+$/);
    expect(second.VersionId).not.toBe(first.VersionId);
    expect(latest).toEqual({ body: 'second', versionId: second.VersionId });
    expect(old).toEqual({ body: 'first', versionId: first.VersionId });
    expect(head.ContentLength).toBe(5);
    expect(head.VersionId).toBe(first.VersionId);
    expect(await versionsOf(bucket)).toEqual([`doc@${second.VersionId}*`, `doc@${first.VersionId}`]);
  });

  it('keeps an object written before versioning as the null version', async () => {
    // Prepare
    const bucket = await target.createBucket('ver');
    await put(bucket, 'doc', 'before');
    await target.client.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
    );

    // Act
    const after = await put(bucket, 'doc', 'after');
    const nullVersion = await read(bucket, 'doc', 'null');

    // Assess
    expect(nullVersion).toEqual({ body: 'before', versionId: 'null' });
    expect(await versionsOf(bucket)).toEqual([`doc@${after.VersionId}*`, 'doc@null']);
  });

  it('answers NoSuchVersion for an unknown version id, InvalidArgument for a malformed or empty one', async () => {
    // Prepare
    const bucket = await versionedBucket();
    await put(bucket, 'doc', 'body');
    const path = (versionId: string) => `/${bucket}/doc?versionId=${versionId}`;

    // Act
    const unknown = await rawRequest(target.endpoint, { method: 'GET', path: path(UNKNOWN_VERSION) });
    const malformed = await rawRequest(target.endpoint, { method: 'GET', path: path('dsf') });
    const empty = await rawRequest(target.endpoint, { method: 'GET', path: path('') });
    const deleteMalformed = await rawRequest(target.endpoint, { method: 'DELETE', path: path('dsf') });
    const viaSdk = await sdkError(read(bucket, 'doc', UNKNOWN_VERSION));

    // Assess
    const error = expectS3Error(unknown, 'NoSuchVersion', 404);
    expect(error.Message).toBe('The specified version does not exist.');
    expect(parseXml(unknown.text)).toMatchObject({ Error: { Key: 'doc', VersionId: UNKNOWN_VERSION } });
    expect(expectS3Error(malformed, 'InvalidArgument', 400).Message).toBe('Invalid version id specified');
    expect(expectS3Error(empty, 'InvalidArgument', 400).Message).toBe(
      'Version id cannot be the empty string',
    );
    expectS3Error(deleteMalformed, 'InvalidArgument', 400);
    expect(viaSdk).toEqual({ name: 'NoSuchVersion', status: 404 });
  });

  it('hides a deleted object behind a delete marker: 404 with the marker headers, 405 for the marker by id', async () => {
    // Prepare
    const bucket = await versionedBucket();
    const written = await put(bucket, 'doc', 'body');

    // Act
    const deleted = await target.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'doc' }));
    const get = await rawRequest(target.endpoint, { method: 'GET', path: `/${bucket}/doc` });
    const markerPath = `/${bucket}/doc?versionId=${deleted.VersionId}`;
    const markerGet = await rawRequest(target.endpoint, { method: 'GET', path: markerPath });
    const markerHead = await rawRequest(target.endpoint, { method: 'HEAD', path: markerPath });
    const listed = await target.client.send(new ListObjectsV2Command({ Bucket: bucket }));

    // Assess
    expect(deleted.DeleteMarker).toBe(true);
    expect(deleted.VersionId).toMatch(/^[A-Za-z0-9._-]+$/);
    expectS3Error(get, 'NoSuchKey', 404);
    expect(get.headers['x-amz-delete-marker']).toBe('true');
    expect(get.headers['x-amz-version-id']).toBe(deleted.VersionId);
    const error = expectS3Error(markerGet, 'MethodNotAllowed', 405);
    expect(parseXml(markerGet.text)).toMatchObject({
      Error: { Method: 'GET', ResourceType: 'DeleteMarker' },
    });
    expect(error.Message).toBe('The specified method is not allowed against this resource.');
    for (const response of [markerGet, markerHead]) {
      expect(response.status).toBe(405);
      expect(response.headers['x-amz-delete-marker']).toBe('true');
      expect(response.headers['x-amz-version-id']).toBe(deleted.VersionId);
      expect(response.headers.allow).toBe('DELETE');
      expect(Date.parse(String(response.headers['last-modified']))).not.toBeNaN();
    }
    expect(listed.KeyCount).toBe(0);
    expect(await versionsOf(bucket)).toEqual([`doc@${deleted.VersionId}(m)*`, `doc@${written.VersionId}`]);
  });

  it('brings the object back when its delete marker is deleted by version id', async () => {
    // Prepare
    const bucket = await versionedBucket();
    const written = await put(bucket, 'doc', 'body');
    const marker = await target.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'doc' }));

    // Act
    const removed = await target.client.send(
      new DeleteObjectCommand({ Bucket: bucket, Key: 'doc', VersionId: marker.VersionId }),
    );

    // Assess
    expect(removed.DeleteMarker).toBe(true);
    expect(removed.VersionId).toBe(marker.VersionId);
    expect(await read(bucket, 'doc')).toEqual({ body: 'body', versionId: written.VersionId });
  });

  it('deletes a version for good; deleting the current one makes the previous one current', async () => {
    // Prepare
    const bucket = await versionedBucket();
    const first = await put(bucket, 'doc', 'first');
    const second = await put(bucket, 'doc', 'second');

    // Act
    const removed = await target.client.send(
      new DeleteObjectCommand({ Bucket: bucket, Key: 'doc', VersionId: second.VersionId }),
    );
    const gone = await rawRequest(target.endpoint, {
      method: 'GET',
      path: `/${bucket}/doc?versionId=${second.VersionId}`,
    });

    // Assess
    expect(removed.VersionId).toBe(second.VersionId);
    expect(removed.DeleteMarker).toBeUndefined();
    expectS3Error(gone, 'NoSuchVersion', 404);
    expect(await read(bucket, 'doc')).toEqual({ body: 'first', versionId: first.VersionId });
    expect(await versionsOf(bucket)).toEqual([`doc@${first.VersionId}*`]);
  });

  it('makes a completed multipart upload a new version, keeping the previous one', async () => {
    // Prepare
    const bucket = await versionedBucket();
    const first = await put(bucket, 'big', 'small first');
    const upload = await target.client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'big' }));
    const part = await target.client.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: 'big',
        UploadId: upload.UploadId,
        PartNumber: 1,
        Body: 'part',
      }),
    );

    // Act
    const completed = await target.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: 'big',
        UploadId: upload.UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );

    // Assess
    expect(completed.VersionId).toMatch(/^[A-Za-z0-9._-]+$/);
    expect(completed.VersionId).not.toBe(first.VersionId);
    expect(await read(bucket, 'big')).toEqual({ body: 'part', versionId: completed.VersionId });
    expect(await read(bucket, 'big', first.VersionId)).toEqual({
      body: 'small first',
      versionId: first.VersionId,
    });
  });

  it('copies into a new version, names the source version, and restores an old version by copying it', async () => {
    // Prepare
    const bucket = await versionedBucket();
    const first = await put(bucket, 'doc', 'first');
    const second = await put(bucket, 'doc', 'second');

    // Act
    const copied = await target.client.send(
      new CopyObjectCommand({ Bucket: bucket, Key: 'copy', CopySource: `${bucket}/doc` }),
    );
    const restored = await target.client.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: 'doc',
        CopySource: `${bucket}/doc?versionId=${first.VersionId}`,
      }),
    );

    // Assess
    expect(copied.VersionId).toMatch(/^[A-Za-z0-9._-]+$/);
    expect(copied.CopySourceVersionId).toBe(second.VersionId);
    expect(restored.CopySourceVersionId).toBe(first.VersionId);
    expect(await read(bucket, 'doc')).toEqual({ body: 'first', versionId: restored.VersionId });
    expect(await versionsOf(bucket, 'doc')).toEqual([
      `doc@${restored.VersionId}*`,
      `doc@${second.VersionId}`,
      `doc@${first.VersionId}`,
    ]);
  });

  it('copies a part from an older version by id, naming it in x-amz-copy-source-version-id', async () => {
    // Prepare
    const bucket = await versionedBucket();
    const first = await put(bucket, 'doc', 'first bytes');
    await put(bucket, 'doc', 'second bytes');
    const upload = await target.client.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'assembled' }),
    );

    // Act
    const copied = await target.client.send(
      new UploadPartCopyCommand({
        Bucket: bucket,
        Key: 'assembled',
        UploadId: upload.UploadId,
        PartNumber: 1,
        CopySource: `${bucket}/doc?versionId=${first.VersionId}`,
      }),
    );
    await target.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: 'assembled',
        UploadId: upload.UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: copied.CopyPartResult?.ETag }] },
      }),
    );

    // Assess
    expect(copied.CopySourceVersionId).toBe(first.VersionId);
    expect((await read(bucket, 'assembled')).body).toBe('first bytes');
  });

  it('refuses a copy whose source version is a delete marker or does not exist', async () => {
    // Prepare
    const bucket = await versionedBucket();
    await put(bucket, 'doc', 'body');
    const marker = await target.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'doc' }));
    const copy = (source: string) =>
      rawRequest(target.endpoint, {
        method: 'PUT',
        path: `/${bucket}/copy`,
        headers: { 'x-amz-copy-source': source },
      });

    // Act
    const fromMarker = await copy(`${bucket}/doc?versionId=${marker.VersionId}`);
    const fromUnknown = await copy(`${bucket}/doc?versionId=${UNKNOWN_VERSION}`);
    const fromDeleted = await copy(`${bucket}/doc`);

    // Assess
    expect(expectS3Error(fromMarker, 'InvalidRequest', 400).Message).toBe(
      'The source of a copy request may not specifically refer to a delete marker by version id.',
    );
    expectS3Error(fromUnknown, 'NoSuchVersion', 404);
    expectS3Error(fromDeleted, 'NoSuchKey', 404);
  });

  it('deletes versions and makes markers in one DeleteObjects, reporting each as S3 does', async () => {
    // Prepare
    const bucket = await versionedBucket();
    const a1 = await put(bucket, 'a', 'a1');
    await put(bucket, 'a', 'a2');
    await put(bucket, 'b', 'b1');
    const marker = await target.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'c' }));

    // Act
    const result = await target.client.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: {
          Objects: [
            { Key: 'a', VersionId: a1.VersionId },
            { Key: 'b' },
            { Key: 'c', VersionId: marker.VersionId },
            { Key: 'a', VersionId: UNKNOWN_VERSION },
          ],
        },
      }),
    );

    // Assess
    const deleted = result.Deleted ?? [];
    expect(result.Errors).toBeUndefined();
    expect(deleted[0]).toEqual({ Key: 'a', VersionId: a1.VersionId });
    expect(deleted[1]).toEqual({ Key: 'b', DeleteMarker: true, DeleteMarkerVersionId: expect.any(String) });
    expect(deleted[2]).toEqual({
      Key: 'c',
      VersionId: marker.VersionId,
      DeleteMarker: true,
      DeleteMarkerVersionId: marker.VersionId,
    });
    expect(deleted[3]).toEqual({ Key: 'a', VersionId: UNKNOWN_VERSION });
    const bMarker = deleted[1]?.DeleteMarkerVersionId;
    expect((await versionsOf(bucket)).filter((entry) => !entry.startsWith('a@'))).toEqual([
      `b@${bMarker}(m)*`,
      expect.stringMatching(/^b@.+[^*]$/),
    ]);
  });

  it('keeps a bucket that holds only delete markers from being deleted', async () => {
    // Prepare
    const bucket = await versionedBucket();
    const written = await put(bucket, 'doc', 'body');
    await target.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'doc' }));
    await target.client.send(
      new DeleteObjectCommand({ Bucket: bucket, Key: 'doc', VersionId: written.VersionId }),
    );

    // Act
    const refused = await sdkError(target.client.send(new DeleteBucketCommand({ Bucket: bucket })));

    // Assess
    expect(refused).toEqual({ name: 'BucketNotEmpty', status: 409 });
  });
});

describe('a Suspended bucket', () => {
  it('writes and deletes the null version, keeping the versions made while Enabled', async () => {
    // Prepare
    const bucket = await versionedBucket();
    const kept = await put(bucket, 'doc', 'enabled');
    await target.client.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Suspended' } }),
    );

    // Act
    const firstNull = await put(bucket, 'doc', 'null one');
    const secondNull = await put(bucket, 'doc', 'null two');
    const afterWrites = await versionsOf(bucket);
    const latest = await read(bucket, 'doc');
    const marker = await target.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'doc' }));

    // Assess
    expect(firstNull.VersionId).toBe('null');
    expect(secondNull.VersionId).toBe('null');
    expect(afterWrites).toEqual(['doc@null*', `doc@${kept.VersionId}`]);
    expect(latest).toEqual({ body: 'null two', versionId: 'null' });
    expect(marker).toMatchObject({ DeleteMarker: true, VersionId: 'null' });
    expect(await versionsOf(bucket)).toEqual(['doc@null(m)*', `doc@${kept.VersionId}`]);
    expect(await read(bucket, 'doc', kept.VersionId)).toEqual({ body: 'enabled', versionId: kept.VersionId });
  });
});

describe('ListObjectVersions', () => {
  let bucket: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    bucket = await versionedBucket();
    for (const [key, body] of [
      ['a', 'a1'],
      ['a', 'a2'],
      ['a', 'a3'],
      ['dir/x', 'x1'],
      ['dir/y', 'y1'],
      ['z z', 'z1'],
    ] as const) {
      ids[body] = (await put(bucket, key, body)).VersionId ?? '';
    }
    ids.zm =
      (await target.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'z z' }))).VersionId ?? '';
  });

  it('pages through every version and marker, a page boundary falling inside a key', async () => {
    // Act
    const pages: string[][] = [];
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    for (let page = 0; page < 10; page++) {
      const answer = await target.client.send(
        new ListObjectVersionsCommand({
          Bucket: bucket,
          MaxKeys: 2,
          KeyMarker: keyMarker,
          VersionIdMarker: versionIdMarker,
        }),
      );
      pages.push([
        ...(answer.Versions ?? []).map((v) => `${v.Key}@${v.VersionId}${v.IsLatest ? '*' : ''}`),
        ...(answer.DeleteMarkers ?? []).map((m) => `${m.Key}@${m.VersionId}(m)${m.IsLatest ? '*' : ''}`),
      ]);
      if (!answer.IsTruncated) break;
      keyMarker = answer.NextKeyMarker;
      versionIdMarker = answer.NextVersionIdMarker;
    }

    // Assess
    expect(pages).toEqual([
      [`a@${ids.a3}*`, `a@${ids.a2}`],
      [`a@${ids.a1}`, `dir/x@${ids.x1}*`],
      [`dir/y@${ids.y1}*`, `z z@${ids.zm}(m)*`],
      [`z z@${ids.z1}`],
    ]);
  });

  it('interleaves Version and DeleteMarker elements in order and names the next markers', async () => {
    // Act
    const whole = await rawRequest(target.endpoint, {
      method: 'GET',
      path: `/${bucket}?versions&key-marker=dir%2Fx&max-keys=3`,
    });
    const cut = await rawRequest(target.endpoint, {
      method: 'GET',
      path: `/${bucket}?versions&key-marker=dir%2Fx&max-keys=2`,
    });

    // Assess
    expect(whole.status).toBe(200);
    expect(entriesOf(whole.text)).toEqual([`dir/y@${ids.y1}*`, `z z@${ids.zm}(m)*`, `z z@${ids.z1}`]);
    expect(parseXml(whole.text)).toMatchObject({ ListVersionsResult: { IsTruncated: 'false' } });
    expect(whole.text).not.toContain('<NextKeyMarker>');
    expect(parseXml(cut.text)).toMatchObject({
      ListVersionsResult: {
        KeyMarker: 'dir/x',
        VersionIdMarker: '',
        NextKeyMarker: 'z z',
        NextVersionIdMarker: ids.zm,
        MaxKeys: '2',
        IsTruncated: 'true',
      },
    });
  });

  it('rolls keys up into common prefixes with a delimiter, and url-encodes keys when asked', async () => {
    // Act
    const answer = await target.client.send(
      new ListObjectVersionsCommand({ Bucket: bucket, Delimiter: '/', KeyMarker: 'a' }),
    );
    const encoded = await rawRequest(target.endpoint, {
      method: 'GET',
      path: `/${bucket}?versions&prefix=z&encoding-type=url`,
    });

    // Assess
    expect(answer.CommonPrefixes).toEqual([{ Prefix: 'dir/' }]);
    expect(answer.Versions?.map((v) => v.Key)).toEqual(['z z']);
    expect(answer.DeleteMarkers?.map((m) => m.Key)).toEqual(['z z']);
    expect(entriesOf(encoded.text)).toEqual([`z%20z@${ids.zm}(m)*`, `z%20z@${ids.z1}`]);
    expect(parseXml(encoded.text)).toMatchObject({ ListVersionsResult: { EncodingType: 'url' } });
  });

  it('refuses a version-id marker without a key marker, or one not shaped as a version id', async () => {
    // Act
    const alone = await rawRequest(target.endpoint, {
      method: 'GET',
      path: `/${bucket}?versions&version-id-marker=${ids.a1}`,
    });
    const malformed = await rawRequest(target.endpoint, {
      method: 'GET',
      path: `/${bucket}?versions&key-marker=a&version-id-marker=dsf`,
    });

    // Assess
    expect(expectS3Error(alone, 'InvalidArgument', 400).Message).toBe(
      'A version-id marker cannot be specified without a key marker.',
    );
    expect(expectS3Error(malformed, 'InvalidArgument', 400).Message).toBe('Invalid version id specified');
    expect(parseXml(malformed.text)).toMatchObject({ Error: { ArgumentName: 'version-id-marker' } });
  });
});
