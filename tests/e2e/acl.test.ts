import { createHash } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketOwnershipControlsCommand,
  GetBucketAclCommand,
  GetBucketOwnershipControlsCommand,
  GetObjectAclCommand,
  HeadBucketCommand,
  PutBucketAclCommand,
  PutBucketOwnershipControlsCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { expectS3Error, parseXml, rawRequest, sdkError } from '../support/e2e/http.js';
import { uniqueBucketName } from '../support/e2e/payload.js';
import { awsCli, type CliResult, type Target, useTarget } from '../support/e2e/server.js';

jest.setTimeout(60_000);

const OWNER_ID = '75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a';
const OTHER_ID = '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be';
const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
const XSI = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';
const ownerFullControl = {
  Grantee: { Type: 'CanonicalUser', ID: OWNER_ID, DisplayName: 'mock-s3' },
  Permission: 'FULL_CONTROL',
};
const allUsersRead = { Grantee: { Type: 'Group', URI: ALL_USERS }, Permission: 'READ' };

let target: Target;
let bucket: string;

beforeAll(async () => {
  target = await useTarget();
  bucket = await target.createBucket('acl');
});

afterAll(async () => {
  await target?.close();
});

function aws(...args: string[]): Promise<CliResult> {
  return awsCli(args, { endpoint: target.endpoint });
}

async function put(key: string, extra: Partial<ConstructorParameters<typeof PutObjectCommand>[0]> = {}) {
  return target.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'acl', ...extra }));
}

async function grantsOf(key: string, onBucket = bucket) {
  return (await target.client.send(new GetObjectAclCommand({ Bucket: onBucket, Key: key }))).Grants;
}

/** A raw PUT of an ACL sub-resource, with the Content-MD5 S3 asks for. */
function putAclRaw(path: string, body: string, headers: Record<string, string> = {}) {
  return rawRequest(target.endpoint, {
    method: 'PUT',
    path,
    headers: {
      ...(body === '' ? {} : { 'content-md5': createHash('md5').update(body).digest('base64') }),
      'content-length': Buffer.byteLength(body),
      ...headers,
    },
    body,
  });
}

function policyBody(grants: string): string {
  return (
    `<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>${OWNER_ID}</ID></Owner>` +
    `<AccessControlList>${grants}</AccessControlList></AccessControlPolicy>`
  );
}

describe('object ACLs', () => {
  it('GetObjectAcl answers the owner FULL_CONTROL by default, in the XML S3 sends', async () => {
    // Prepare
    await put('default.txt');

    // Act
    const acl = await target.client.send(new GetObjectAclCommand({ Bucket: bucket, Key: 'default.txt' }));
    const raw = await rawRequest(target.endpoint, { method: 'GET', path: `/${bucket}/default.txt?acl` });

    // Assess
    expect(acl.Owner).toEqual({ ID: OWNER_ID, DisplayName: 'mock-s3' });
    expect(acl.Grants).toEqual([ownerFullControl]);
    expect(raw.status).toBe(200);
    expect(raw.text).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
        `<Owner><ID>${OWNER_ID}</ID><DisplayName>mock-s3</DisplayName></Owner><AccessControlList>` +
        `<Grant><Grantee ${XSI} xsi:type="CanonicalUser"><ID>${OWNER_ID}</ID><DisplayName>mock-s3</DisplayName></Grantee>` +
        '<Permission>FULL_CONTROL</Permission></Grant></AccessControlList></AccessControlPolicy>',
    );
  });

  it('PutObject, CopyObject and CreateMultipartUpload store a canned ACL or grant headers', async () => {
    // Prepare
    await put('canned.txt', { ACL: 'public-read' });
    await put('granted.txt', {
      GrantRead: `uri="${ALL_USERS}", id="${OTHER_ID}"`,
      GrantFullControl: `id="${OWNER_ID}"`,
    });

    // Act
    await target.client.send(
      new CopyObjectCommand({ Bucket: bucket, Key: 'copied.txt', CopySource: `${bucket}/canned.txt` }),
    );
    await target.client.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: 'copied-acl.txt',
        CopySource: `${bucket}/granted.txt`,
        ACL: 'authenticated-read',
      }),
    );
    const upload = await target.client.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'multipart.bin', ACL: 'public-read' }),
    );
    const part = await target.client.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: 'multipart.bin',
        UploadId: upload.UploadId,
        PartNumber: 1,
        Body: 'p',
      }),
    );
    await target.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: 'multipart.bin',
        UploadId: upload.UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );

    // Assess: S3 does not copy an ACL; a copy gets the request's or the default.
    expect(await grantsOf('canned.txt')).toEqual([ownerFullControl, allUsersRead]);
    expect(await grantsOf('granted.txt')).toEqual([
      { Grantee: { Type: 'CanonicalUser', ID: OWNER_ID }, Permission: 'FULL_CONTROL' },
      allUsersRead,
      { Grantee: { Type: 'CanonicalUser', ID: OTHER_ID }, Permission: 'READ' },
    ]);
    expect(await grantsOf('copied.txt')).toEqual([ownerFullControl]);
    expect(await grantsOf('copied-acl.txt')).toEqual([
      ownerFullControl,
      {
        Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers' },
        Permission: 'READ',
      },
    ]);
    expect(await grantsOf('multipart.bin')).toEqual([ownerFullControl, allUsersRead]);
  });

  it('PutObjectAcl takes a canned ACL or an AccessControlPolicy, in place', async () => {
    // Prepare
    const written = await put('changed.txt');

    // Act
    await target.client.send(
      new PutObjectAclCommand({ Bucket: bucket, Key: 'changed.txt', ACL: 'public-read-write' }),
    );
    const canned = await grantsOf('changed.txt');
    await target.client.send(
      new PutObjectAclCommand({
        Bucket: bucket,
        Key: 'changed.txt',
        AccessControlPolicy: {
          Owner: { ID: OWNER_ID },
          Grants: [{ Grantee: { Type: 'CanonicalUser', ID: OTHER_ID }, Permission: 'WRITE_ACP' }],
        },
      }),
    );
    const fromBody = await grantsOf('changed.txt');
    const head = await rawRequest(target.endpoint, { method: 'HEAD', path: `/${bucket}/changed.txt` });

    // Assess
    expect(canned).toEqual([
      ownerFullControl,
      allUsersRead,
      { Grantee: { Type: 'Group', URI: ALL_USERS }, Permission: 'WRITE' },
    ]);
    expect(fromBody).toEqual([{ Grantee: { Type: 'CanonicalUser', ID: OTHER_ID }, Permission: 'WRITE_ACP' }]);
    expect(head.headers.etag).toBe(written.ETag);
  });

  it('aws-cli: s3api put-object-acl --acl public-read, then get-object-acl', async () => {
    await put('cli.txt');
    expect(
      await aws('s3api', 'put-object-acl', '--bucket', bucket, '--key', 'cli.txt', '--acl', 'public-read'),
    ).toMatchObject({
      code: 0,
    });
    const got = await aws('s3api', 'get-object-acl', '--bucket', bucket, '--key', 'cli.txt');
    expect(got).toMatchObject({ code: 0 });
    expect(JSON.parse(got.stdout).Grants).toEqual([ownerFullControl, allUsersRead]);
  });
});

describe('bucket ACLs', () => {
  it('GetBucketAcl answers the owner FULL_CONTROL; PutBucketAcl stores a policy; CreateBucket takes a canned ACL', async () => {
    // Prepare
    const created = uniqueBucketName('acl-create');

    // Act
    const initial = await target.client.send(new GetBucketAclCommand({ Bucket: bucket }));
    await target.client.send(
      new PutBucketAclCommand({
        Bucket: bucket,
        AccessControlPolicy: {
          Owner: { ID: OWNER_ID },
          Grants: [
            { Grantee: { Type: 'CanonicalUser', ID: OWNER_ID }, Permission: 'FULL_CONTROL' },
            {
              Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/s3/LogDelivery' },
              Permission: 'WRITE',
            },
          ],
        },
      }),
    );
    const put = await target.client.send(new GetBucketAclCommand({ Bucket: bucket }));
    await target.client.send(new CreateBucketCommand({ Bucket: created, ACL: 'public-read' }));
    const createdAcl = await target.client.send(new GetBucketAclCommand({ Bucket: created }));
    await target.client.send(new PutBucketAclCommand({ Bucket: created, ACL: 'private' }));
    const cli = await aws('s3api', 'get-bucket-acl', '--bucket', created);

    // Assess
    expect(initial.Grants).toEqual([ownerFullControl]);
    expect(put.Grants).toEqual([
      { Grantee: { Type: 'CanonicalUser', ID: OWNER_ID }, Permission: 'FULL_CONTROL' },
      {
        Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/s3/LogDelivery' },
        Permission: 'WRITE',
      },
    ]);
    expect(createdAcl.Grants).toEqual([ownerFullControl, allUsersRead]);
    expect(cli).toMatchObject({ code: 0 });
    expect(JSON.parse(cli.stdout).Grants).toEqual([ownerFullControl]);
    await target.client.send(new PutBucketAclCommand({ Bucket: bucket, ACL: 'private' }));
    await rawRequest(target.endpoint, { method: 'DELETE', path: `/${created}` });
  });
});

describe('ACL errors', () => {
  it('an unknown canned ACL is InvalidArgument, and nothing is written', async () => {
    const response = await rawRequest(target.endpoint, {
      method: 'PUT',
      path: `/${bucket}/refused.txt`,
      headers: { 'x-amz-acl': 'public-ready', 'content-length': 3 },
      body: 'abc',
    });
    expectS3Error(response, 'InvalidArgument', 400);
    expect(parseXml(response.text)).toMatchObject({
      Error: { ArgumentName: 'x-amz-acl', ArgumentValue: 'public-ready' },
    });
    expect(await sdkError(grantsOf('refused.txt'))).toEqual({ name: 'NoSuchKey', status: 404 });
  });

  it('a canned ACL with grant headers is InvalidRequest', async () => {
    const response = await rawRequest(target.endpoint, {
      method: 'PUT',
      path: `/${bucket}/both.txt`,
      headers: { 'x-amz-acl': 'private', 'x-amz-grant-read': `id="${OTHER_ID}"`, 'content-length': 0 },
    });
    expect(expectS3Error(response, 'InvalidRequest', 400).Message).toBe(
      'Specifying both Canned ACLs and Header Grants is not allowed',
    );
  });

  it.each([
    ['not XML', 'acl'],
    ['without an Owner', '<AccessControlPolicy><AccessControlList/></AccessControlPolicy>'],
    [
      'with an unknown Permission',
      policyBody(
        `<Grant><Grantee ${XSI} xsi:type="CanonicalUser"><ID>${OTHER_ID}</ID></Grantee><Permission>ALL</Permission></Grant>`,
      ),
    ],
  ])('PutObjectAcl with a body %s is MalformedACLError', async (_name, body) => {
    await put('malformed.txt');
    expectS3Error(await putAclRaw(`/${bucket}/malformed.txt?acl`, body), 'MalformedACLError', 400);
  });

  it('PutObjectAcl with body and header is UnexpectedContent; with neither MissingSecurityHeader', async () => {
    await put('neither.txt');
    const both = await putAclRaw(`/${bucket}/neither.txt?acl`, policyBody(''), { 'x-amz-acl': 'private' });
    const neither = await putAclRaw(`/${bucket}/neither.txt?acl`, '');
    expectS3Error(both, 'UnexpectedContent', 400);
    expectS3Error(neither, 'MissingSecurityHeader', 400);
    expect(parseXml(neither.text)).toMatchObject({ Error: { MissingHeaderName: 'x-amz-acl' } });
  });

  it('an ACL of a missing key or bucket: NoSuchKey, NoSuchBucket', async () => {
    expect(await sdkError(grantsOf('absent.txt'))).toEqual({ name: 'NoSuchKey', status: 404 });
    expect(await sdkError(grantsOf('a', `${bucket}-none`))).toEqual({ name: 'NoSuchBucket', status: 404 });
  });
});

describe('ownership controls', () => {
  it('none until put; BucketOwnerEnforced refuses ACLs but bucket-owner-full-control, and reads answer the owner', async () => {
    // Prepare
    const enforced = await target.createBucket('owner-enforced');
    const object = { Bucket: enforced, Key: 'o.txt', Body: 'o' };

    // Act
    const before = await sdkError(
      target.client.send(new GetBucketOwnershipControlsCommand({ Bucket: enforced })),
    );
    await target.client.send(
      new PutObjectCommand({ Bucket: enforced, Key: 'earlier.txt', Body: 'e', ACL: 'public-read' }),
    );
    await target.client.send(
      new PutBucketOwnershipControlsCommand({
        Bucket: enforced,
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      }),
    );
    const got = await target.client.send(new GetBucketOwnershipControlsCommand({ Bucket: enforced }));
    const refusedPut = await sdkError(
      target.client.send(new PutObjectCommand({ ...object, ACL: 'public-read' })),
    );
    const refusedPrivate = await sdkError(
      target.client.send(new PutObjectCommand({ ...object, ACL: 'private' })),
    );
    await target.client.send(new PutObjectCommand({ ...object, ACL: 'bucket-owner-full-control' }));
    const refusedObjectAcl = await sdkError(
      target.client.send(new PutObjectAclCommand({ Bucket: enforced, Key: 'o.txt', ACL: 'public-read' })),
    );
    const refusedBucketAcl = await sdkError(
      target.client.send(new PutBucketAclCommand({ Bucket: enforced, ACL: 'public-read' })),
    );
    const objectAcl = await grantsOf('o.txt', enforced);
    const earlierAcl = await grantsOf('earlier.txt', enforced);
    const bucketAcl = (await target.client.send(new GetBucketAclCommand({ Bucket: enforced }))).Grants;
    const deleted = await target.client.send(new DeleteBucketOwnershipControlsCommand({ Bucket: enforced }));
    const after = await sdkError(
      target.client.send(new GetBucketOwnershipControlsCommand({ Bucket: enforced })),
    );

    // Assess
    expect(before).toEqual({ name: 'OwnershipControlsNotFoundError', status: 404 });
    expect(got.OwnershipControls?.Rules).toEqual([{ ObjectOwnership: 'BucketOwnerEnforced' }]);
    for (const refused of [refusedPut, refusedPrivate, refusedObjectAcl, refusedBucketAcl]) {
      expect(refused).toEqual({ name: 'AccessControlListNotSupported', status: 400 });
    }
    expect(objectAcl).toEqual([ownerFullControl]);
    expect(earlierAcl).toEqual([ownerFullControl]);
    expect(bucketAcl).toEqual([ownerFullControl]);
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    expect(after).toEqual({ name: 'OwnershipControlsNotFoundError', status: 404 });
  });

  it('an unknown ObjectOwnership is MalformedXML', async () => {
    const body =
      '<OwnershipControls><Rule><ObjectOwnership>Nobody</ObjectOwnership></Rule></OwnershipControls>';
    expectS3Error(await putAclRaw(`/${bucket}?ownershipControls`, body), 'MalformedXML', 400);
  });

  it('BucketOwnerEnforced with a bucket ACL granting others is InvalidBucketAclWithObjectOwnership', async () => {
    // Prepare
    const shared = await target.createBucket('owner-shared');
    await target.client.send(new PutBucketAclCommand({ Bucket: shared, ACL: 'public-read' }));
    const refusedBucket = uniqueBucketName('owner-refused');

    // Act
    const onPut = await sdkError(
      target.client.send(
        new PutBucketOwnershipControlsCommand({
          Bucket: shared,
          OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        }),
      ),
    );
    const onCreate = await sdkError(
      target.client.send(
        new CreateBucketCommand({
          Bucket: refusedBucket,
          ObjectOwnership: 'BucketOwnerEnforced',
          ACL: 'public-read',
        }),
      ),
    );

    // Assess
    expect(onPut).toEqual({ name: 'InvalidBucketAclWithObjectOwnership', status: 400 });
    expect(onCreate).toEqual({ name: 'InvalidBucketAclWithObjectOwnership', status: 400 });
    expect(await sdkError(target.client.send(new HeadBucketCommand({ Bucket: refusedBucket })))).toEqual({
      name: 'NotFound',
      status: 404,
    });
  });

  it("CreateBucket's x-amz-object-ownership sets the ownership controls", async () => {
    const created = uniqueBucketName('owner-create');
    await target.client.send(new CreateBucketCommand({ Bucket: created, ObjectOwnership: 'ObjectWriter' }));
    const got = await target.client.send(new GetBucketOwnershipControlsCommand({ Bucket: created }));
    expect(got.OwnershipControls?.Rules).toEqual([{ ObjectOwnership: 'ObjectWriter' }]);
    await rawRequest(target.endpoint, { method: 'DELETE', path: `/${created}` });
  });
});
