import { randomBytes } from 'node:crypto';
import {
  GetObjectAclCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutBucketVersioningCommand,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { expectS3Error, parseXml, type RawResponse, rawRequest, sdkError } from '../support/e2e/http.js';
import { quotedMd5 } from '../support/e2e/payload.js';
import { type Target, useTarget } from '../support/e2e/server.js';

jest.setTimeout(60_000);

let target: Target;
let bucket: string;

beforeAll(async () => {
  target = await useTarget();
  bucket = await target.createBucket('post-object');
});

afterAll(async () => {
  await target?.close();
});

/** One part of a hand-built form: a field, or a file when `filename` (or `bytes`) is given. */
interface FormPart {
  name: string;
  value?: string;
  bytes?: Buffer;
  filename?: string;
  contentType?: string;
}

const BOUNDARY = '----mock-s3-form-7MA4YWxkTrZu0gW';

/** The variable S3 replaces with the file's name in the form's fields. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: S3's literal syntax, not a template
const FILENAME = '${filename}';

/** A multipart/form-data body exactly as given, parts in order. */
function formBody(parts: readonly FormPart[]): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const filename = part.filename === undefined ? '' : `; filename="${part.filename}"`;
    const type = part.contentType === undefined ? '' : `\r\nContent-Type: ${part.contentType}`;
    chunks.push(
      Buffer.from(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${part.name}"${filename}${type}\r\n\r\n`,
      ),
      part.bytes ?? Buffer.from(part.value ?? '', 'utf8'),
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(chunks);
}

function post(parts: readonly FormPart[], name = bucket): Promise<RawResponse> {
  const body = formBody(parts);
  return rawRequest(target.endpoint, {
    method: 'POST',
    path: `/${name}`,
    headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, 'content-length': body.length },
    body,
  });
}

/** A base64 POST policy; expires in an hour unless told otherwise. */
function policy(conditions: unknown[], expiration = new Date(Date.now() + 3600_000)): string {
  return Buffer.from(JSON.stringify({ expiration: expiration.toISOString(), conditions })).toString('base64');
}

const file = (bytes: Buffer | string, filename = 'upload.txt'): FormPart => ({
  name: 'file',
  bytes: Buffer.from(bytes),
  filename,
  contentType: 'application/octet-stream',
});

/** Fields as a list of parts, in the order given. */
const fields = (values: Record<string, string>): FormPart[] =>
  Object.entries(values).map(([name, value]) => ({ name, value }));

async function readBack(key: string) {
  const got = await target.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return { got, bytes: Buffer.from((await got.Body?.transformToByteArray()) ?? []) };
}

describe('forms built by @aws-sdk/s3-presigned-post', () => {
  it('createPresignedPost with every condition type: 201 PostResponse, the object byte-exact with its type and metadata', async () => {
    // Prepare
    const bytes = randomBytes(700);
    const { url, fields: signed } = await createPresignedPost(target.client, {
      Bucket: bucket,
      Key: `sdk/${FILENAME}`,
      Conditions: [
        ['content-length-range', 1, 1024],
        ['starts-with', '$Content-Type', 'image/'],
        ['eq', '$x-amz-meta-owner', 'alice'],
      ],
      Fields: { success_action_status: '201', 'Content-Type': 'image/png', 'x-amz-meta-owner': 'alice' },
      Expires: 600,
    });
    const form = new FormData();
    for (const [name, value] of Object.entries(signed)) form.append(name, value);
    form.append('file', new Blob([bytes]), 'photo one.png');

    // Act
    const response = await fetch(url, { method: 'POST', body: form });
    const text = await response.text();
    const { got, bytes: stored } = await readBack('sdk/photo one.png');

    // Assess
    expect(response.status).toBe(201);
    expect(response.headers.get('etag')).toBe(quotedMd5(bytes));
    expect(text).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<PostResponse>/);
    expect(parseXml(text).PostResponse).toEqual({
      Location: `${target.endpoint}/${bucket}/sdk%2Fphoto%20one.png`,
      Bucket: bucket,
      Key: 'sdk/photo one.png',
      ETag: quotedMd5(bytes),
    });
    expect(response.headers.get('location')).toBe(`${target.endpoint}/${bucket}/sdk%2Fphoto%20one.png`);
    expect(stored.equals(bytes)).toBe(true);
    expect(got.ContentType).toBe('image/png');
    expect(got.Metadata).toEqual({ owner: 'alice' });
    expect(got.ETag).toBe(quotedMd5(bytes));
  });

  it('a policy condition the form fails: 403 AccessDenied naming it, nothing stored', async () => {
    // Prepare
    const { url, fields: signed } = await createPresignedPost(target.client, {
      Bucket: bucket,
      Key: 'sdk/refused.txt',
      Conditions: [['content-length-range', 1, 10]],
    });
    const form = new FormData();
    for (const [name, value] of Object.entries(signed)) form.append(name, value);
    form.append('file', new Blob(['more than ten bytes']), 'refused.txt');

    // Act
    const response = await fetch(url, { method: 'POST', body: form });
    const text = await response.text();
    const after = await sdkError(
      target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'sdk/refused.txt' })),
    );

    // Assess
    expect(response.status).toBe(400);
    expect(parseXml(text).Error).toMatchObject({
      Code: 'EntityTooLarge',
      Message: 'Your proposed upload exceeds the maximum allowed size',
      ProposedSize: '19',
      MaxSizeAllowed: '10',
    });
    expect(after).toEqual({ name: 'NotFound', status: 404 });
  });
});

describe('conditions on hand-built forms', () => {
  const conditions = () => [
    { bucket },
    ['starts-with', '$key', 'cond/'],
    ['eq', '$Content-Type', 'text/plain'],
    ['starts-with', '$x-amz-meta-note', ''],
    ['content-length-range', 2, 8],
  ];
  const form = (overrides: Record<string, string>, body = 'hello', extra: FormPart[] = []) => [
    ...fields({
      key: 'cond/ok.txt',
      'Content-Type': 'text/plain',
      'x-amz-meta-note': 'anything',
      ...overrides,
      policy: policy(conditions()),
    }),
    ...extra,
    file(body),
  ];

  it('every condition met: 204 with ETag and Location, the object stored', async () => {
    // Act
    const response = await post(form({}));
    const { bytes, got } = await readBack('cond/ok.txt');

    // Assess
    expect(response.status).toBe(204);
    expect(response.body.length).toBe(0);
    expect(response.headers.etag).toBe(quotedMd5(Buffer.from('hello')));
    expect(response.headers.location).toBe(`${target.endpoint}/${bucket}/cond%2Fok.txt`);
    expect(response.headers['x-amz-version-id']).toBeUndefined();
    expect(bytes.toString()).toBe('hello');
    expect(got.ContentType).toBe('text/plain');
    expect(got.Metadata).toEqual({ note: 'anything' });
  });

  it.each([
    [
      'starts-with failed',
      { key: 'other/x.txt' },
      'hello',
      'Policy Condition failed: ["starts-with", "$key", "cond/"]',
    ],
    [
      'eq failed (values are case-sensitive)',
      { 'Content-Type': 'Text/Plain' },
      'hello',
      'Policy Condition failed: ["eq", "$Content-Type", "text/plain"]',
    ],
  ])('%s -> 403 AccessDenied', async (_name, overrides, body, reason) => {
    // Act
    const response = await post(form(overrides, body));

    // Assess
    expect(expectS3Error(response, 'AccessDenied', 403).Message).toBe(
      `Invalid according to Policy: ${reason}`,
    );
  });

  it('the bucket condition is checked against the bucket posted to', async () => {
    // Prepare
    const other = await target.createBucket('post-other');

    // Act
    const response = await post(form({ key: 'cond/elsewhere.txt' }), other);

    // Assess
    expect(expectS3Error(response, 'AccessDenied', 403).Message).toBe(
      `Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "${bucket}"]`,
    );
  });

  it('a field no condition names -> 403 "Extra input fields"; x-ignore-* and the signature fields need none', async () => {
    // Act
    const extra = await post(form({}, 'hello', fields({ 'X-Amz-Meta-Extra': '1' })));
    const ignored = await post(
      form(
        { key: 'cond/ignored.txt' },
        'hello',
        fields({ 'x-ignore-tracking': '1', 'X-Amz-Signature': 'abc' }),
      ),
    );

    // Assess
    expect(expectS3Error(extra, 'AccessDenied', 403).Message).toBe(
      'Invalid according to Policy: Extra input fields: X-Amz-Meta-Extra',
    );
    expect(ignored.status).toBe(204);
  });

  it('content-length-range: under the minimum -> EntityTooSmall, the bounds themselves pass', async () => {
    // Act
    const small = await post(form({}, 'h'));
    const atMin = await post(form({ key: 'cond/min.txt' }, 'hi'));
    const atMax = await post(form({ key: 'cond/max.txt' }, '12345678'));

    // Assess
    expect(expectS3Error(small, 'EntityTooSmall', 400)).toMatchObject({
      Message: 'Your proposed upload is smaller than the minimum allowed size',
      ProposedSize: '1',
      MinSizeAllowed: '2',
    });
    expect([atMin.status, atMax.status]).toEqual([204, 204]);
  });

  it('an expired policy -> 403 "Policy expired."', async () => {
    // Act
    const response = await post([
      ...fields({
        key: 'cond/late.txt',
        policy: policy([{ bucket }, ['starts-with', '$key', '']], new Date(Date.now() - 1000)),
      }),
      file('late'),
    ]);

    // Assess
    expect(expectS3Error(response, 'AccessDenied', 403).Message).toBe(
      'Invalid according to Policy: Policy expired.',
    );
  });

  it.each([
    ['that is not base64', '%%%', 'Invalid Policy: invalid Base64 encoding.'],
    ['that is not JSON', Buffer.from('{expiration').toString('base64'), 'Invalid Policy: Invalid JSON.'],
    [
      'no conditions',
      Buffer.from('{"expiration":"2099-01-01T00:00:00Z"}').toString('base64'),
      'Invalid Policy: Policy missing conditions.',
    ],
    [
      'with a simple condition of two properties',
      policy([{ bucket: 'a', key: 'b' }]),
      'Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.',
    ],
  ])('a policy %s -> 400 InvalidPolicyDocument', async (_name, encoded, message) => {
    // Act
    const response = await post([...fields({ key: 'cond/bad.txt', policy: encoded }), file('x')]);

    // Assess
    expect(expectS3Error(response, 'InvalidPolicyDocument', 400).Message).toBe(message);
  });
});

describe('what the form asks to be answered with', () => {
  it.each([
    ['200', 200],
    ['201', 201],
    ['204', 204],
    ['404 (not a value S3 takes: the default)', 204],
  ])('success_action_status %s -> %i', async (status, expected) => {
    // Act
    const response = await post([
      ...fields({ key: `status/${expected}`, success_action_status: status.slice(0, 3) }),
      file('s'),
    ]);

    // Assess
    expect(response.status).toBe(expected);
    expect(response.headers.etag).toBe(quotedMd5(Buffer.from('s')));
  });

  it('success_action_redirect -> 303 to it with bucket, key and etag appended to its query', async () => {
    // Act
    const response = await post([
      ...fields({
        key: 'redirect/a b.txt',
        success_action_redirect: 'https://app.example.com/done?upload=1',
      }),
      file('r'),
    ]);

    // Assess
    expect(response.status).toBe(303);
    const location = new URL(String(response.headers.location));
    expect(`${location.origin}${location.pathname}`).toBe('https://app.example.com/done');
    expect([...location.searchParams.entries()]).toEqual([
      ['upload', '1'],
      ['bucket', bucket],
      ['key', 'redirect/a b.txt'],
      ['etag', quotedMd5(Buffer.from('r'))],
    ]);
    expect(String(response.headers.location)).toContain('key=redirect%2Fa+b.txt&etag=%22');
  });

  it('a virtual-host POST (the bucket in Host) answers a virtual-host Location', async () => {
    // Prepare
    const body = formBody([...fields({ key: 'vhost/a b.txt' }), file('v')]);
    const host = `${bucket}.localhost:${new URL(target.endpoint).port}`;

    // Act
    const response = await rawRequest(target.endpoint, {
      method: 'POST',
      path: '/',
      headers: {
        host,
        'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
        'content-length': body.length,
      },
      body,
    });
    const { bytes } = await readBack('vhost/a b.txt');

    // Assess
    expect(response.status).toBe(204);
    expect(response.headers.location).toBe(`http://${host}/vhost%2Fa%20b.txt`);
    expect(bytes.toString()).toBe('v');
  });

  it('the deprecated redirect field works the same; a relative URL is ignored (204)', async () => {
    // Act
    const redirect = await post([
      ...fields({ key: 'redirect/old', redirect: 'http://localhost:9/back' }),
      file('o'),
    ]);
    const relative = await post([
      ...fields({ key: 'redirect/rel', success_action_redirect: '/relative/page' }),
      file('o'),
    ]);

    // Assess
    expect(redirect.status).toBe(303);
    expect(String(redirect.headers.location)).toMatch(/^http:\/\/localhost:9\/back\?bucket=/);
    expect(relative.status).toBe(204);
  });
});

describe('the form fields become the object', () => {
  it(`${FILENAME} in key is the file name the client gave (its last path segment)`, async () => {
    // Act
    const response = await post([
      ...fields({ key: `names/${FILENAME}` }),
      file('n', 'C:\\Users\\me\\report 2026.pdf'),
    ]);
    const { bytes } = await readBack('names/report 2026.pdf');

    // Assess
    expect(response.status).toBe(204);
    expect(bytes.toString()).toBe('n');
  });

  it(`a file part without a filename (text content) is taken; ${FILENAME} then stays as written, as S3 keeps it`, async () => {
    // Act
    const response = await post([
      ...fields({ key: `text/${FILENAME}` }),
      { name: 'file', value: 'typed in a textarea' },
    ]);
    const { bytes, got } = await readBack(`text/${FILENAME}`);

    // Assess
    expect(response.status).toBe(204);
    expect(bytes.toString()).toBe('typed in a textarea');
    expect(got.ContentType).toBe('binary/octet-stream');
  });

  it('Content-Type, Cache-Control, Content-Disposition and x-amz-meta-* fields are stored; the file part type is not', async () => {
    // Act
    await post([
      ...fields({
        key: 'headers/doc',
        'Content-Type': 'text/csv',
        'Cache-Control': 'max-age=60',
        'Content-Disposition': 'attachment; filename="doc.csv"',
        'X-Amz-Meta-Project': 'Drill',
      }),
      { name: 'file', bytes: Buffer.from('a,b'), filename: 'doc.csv', contentType: 'image/gif' },
    ]);
    const { got } = await readBack('headers/doc');

    // Assess
    expect(got.ContentType).toBe('text/csv');
    expect(got.CacheControl).toBe('max-age=60');
    expect(got.ContentDisposition).toBe('attachment; filename="doc.csv"');
    expect(got.Metadata).toEqual({ project: 'Drill' });
  });
});

describe('form fields are UTF-8 text, headers are bytes', () => {
  it('user metadata that is not ASCII comes back RFC 2047-encoded, as S3 returns it', async () => {
    // Act
    const response = await post([
      ...fields({
        key: 'utf8/meta',
        'x-amz-meta-brand': 'ÄMÄZÕÑ S3',
        'x-amz-meta-city': '東京 ä',
        'x-amz-meta-plain': 'as is',
      }),
      file('m'),
    ]);
    const head = await target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'utf8/meta' }));

    // Assess
    expect(response.status).toBe(204);
    expect(head.Metadata).toEqual({
      brand: '=?UTF-8?Q?=C3=84M=C3=84Z=C3=95=C3=91_S3?=',
      city: `=?UTF-8?B?${Buffer.from('東京 ä').toString('base64')}?=`,
      plain: 'as is',
    });
  });

  it('a UTF-8 Content-Disposition is stored as its bytes; one with a line break -> 400 InvalidArgument', async () => {
    // Act
    const stored = await post([
      ...fields({ key: 'utf8/disposition', 'Content-Disposition': 'attachment; filename="報告.pdf"' }),
      file('d'),
    ]);
    const get = await rawRequest(target.endpoint, { method: 'GET', path: `/${bucket}/utf8/disposition` });
    const refused = await post([
      ...fields({ key: 'utf8/broken', 'Content-Disposition': 'attachment;\r\nx-evil: 1' }),
      file('d'),
    ]);

    // Assess
    expect(stored.status).toBe(204);
    expect(get.status).toBe(200);
    expect(Buffer.from(String(get.headers['content-disposition']), 'latin1').toString('utf8')).toBe(
      'attachment; filename="報告.pdf"',
    );
    expect(expectS3Error(refused, 'InvalidArgument', 400)).toMatchObject({
      Message: 'Header value cannot contain control characters.',
      ArgumentName: 'Content-Disposition',
    });
  });
});

describe('tagging, ACL, storage class and encryption fields, as on PutObject', () => {
  it('a tagging document is stored as the object tags (x-amz-tagging-count on GET)', async () => {
    // Act
    const response = await post([
      ...fields({
        key: 'attrs/tagged',
        tagging:
          '<Tagging><TagSet><Tag><Key>team</Key><Value>web app</Value></Tag><Tag><Key>stage</Key><Value>1</Value></Tag></TagSet></Tagging>',
      }),
      file('t'),
    ]);
    const tags = await target.client.send(
      new GetObjectTaggingCommand({ Bucket: bucket, Key: 'attrs/tagged' }),
    );
    const { got } = await readBack('attrs/tagged');

    // Assess
    expect(response.status).toBe(204);
    expect(tags.TagSet).toEqual([
      { Key: 'team', Value: 'web app' },
      { Key: 'stage', Value: '1' },
    ]);
    expect(got.TagCount).toBe(2);
  });

  it('a tagging field that is not XML -> 400 MalformedXML, nothing stored', async () => {
    // Act
    const response = await post([...fields({ key: 'attrs/not-xml', tagging: 'not-xml' }), file('t')]);
    const after = await sdkError(
      target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'attrs/not-xml' })),
    );

    // Assess
    expectS3Error(response, 'MalformedXML', 400);
    expect(after).toEqual({ name: 'NotFound', status: 404 });
  });

  it('acl, x-amz-storage-class and x-amz-server-side-encryption fields apply to the object', async () => {
    // Act
    const response = await post([
      ...fields({
        key: 'attrs/classed',
        acl: 'public-read',
        'x-amz-storage-class': 'STANDARD_IA',
        'x-amz-server-side-encryption': 'aws:kms',
      }),
      file('c'),
    ]);
    const head = await target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'attrs/classed' }));
    const acl = await target.client.send(new GetObjectAclCommand({ Bucket: bucket, Key: 'attrs/classed' }));

    // Assess
    expect(response.status).toBe(204);
    expect(response.headers['x-amz-server-side-encryption']).toBe('aws:kms');
    expect(head.StorageClass).toBe('STANDARD_IA');
    expect(head.ServerSideEncryption).toBe('aws:kms');
    expect(acl.Grants).toContainEqual({
      Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/global/AllUsers' },
      Permission: 'READ',
    });
  });

  it('a storage class S3 does not know -> 400 InvalidStorageClass', async () => {
    // Act
    const response = await post([
      ...fields({ key: 'attrs/fake', 'x-amz-storage-class': 'FakeClass' }),
      file('f'),
    ]);

    // Assess
    expect(expectS3Error(response, 'InvalidStorageClass', 400).Message).toBe(
      'The storage class you specified is not valid',
    );
  });
});

describe('in a versioned bucket', () => {
  it('each POST is a new version, answered with its x-amz-version-id; the older one stays readable', async () => {
    // Prepare
    const name = await target.createBucket('post-versioned');
    await target.client.send(
      new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }),
    );

    // Act
    const first = await post([...fields({ key: 'v.txt' }), file('one')], name);
    const second = await post([...fields({ key: 'v.txt' }), file('two')], name);
    const v1 = String(first.headers['x-amz-version-id']);
    const v2 = String(second.headers['x-amz-version-id']);
    const old = await target.client.send(new GetObjectCommand({ Bucket: name, Key: 'v.txt', VersionId: v1 }));
    const current = await target.client.send(new GetObjectCommand({ Bucket: name, Key: 'v.txt' }));

    // Assess
    expect([first.status, second.status]).toEqual([204, 204]);
    expect(v1).not.toBe('null');
    expect(v2).not.toBe(v1);
    expect(await old.Body?.transformToString()).toBe('one');
    expect(await current.Body?.transformToString()).toBe('two');
    expect(current.VersionId).toBe(v2);
  });
});

describe('forms S3 refuses', () => {
  it('no key field (or a key after the file: fields after it are ignored) -> 400 InvalidArgument', async () => {
    // Act
    const none = await post([file('x')]);
    const after = await post([file('x'), ...fields({ key: 'late/key' })]);

    // Assess
    for (const response of [none, after]) {
      expect(expectS3Error(response, 'InvalidArgument', 400)).toMatchObject({
        Message:
          "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.",
        ArgumentName: 'key',
      });
    }
  });

  it('no file, or two -> 400 IncorrectNumberOfFilesInPostRequest', async () => {
    // Act
    const none = await post(fields({ key: 'files/none' }));
    const two = await post([...fields({ key: 'files/two' }), file('1'), file('2')]);

    // Assess
    for (const response of [none, two]) {
      expect(expectS3Error(response, 'IncorrectNumberOfFilesInPostRequest', 400).Message).toBe(
        'POST requires exactly one file upload per request.',
      );
    }
  });

  it('a body that is not multipart/form-data -> 412 PreconditionFailed with its Condition', async () => {
    // Act
    const response = await rawRequest(target.endpoint, {
      method: 'POST',
      path: `/${bucket}`,
      headers: { 'content-type': 'text/plain', 'content-length': 5 },
      body: 'hello',
    });

    // Assess
    expect(expectS3Error(response, 'PreconditionFailed', 412)).toMatchObject({
      Condition: 'Bucket POST must be of the enclosure-type multipart/form-data',
    });
  });

  it('broken multipart framing or no boundary -> 400 MalformedPOSTRequest', async () => {
    // Act
    const truncated = formBody([...fields({ key: 'broken' }), file('x')]).subarray(0, 90);
    const broken = await rawRequest(target.endpoint, {
      method: 'POST',
      path: `/${bucket}`,
      headers: {
        'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
        'content-length': truncated.length,
      },
      body: truncated,
    });
    const noBoundary = await rawRequest(target.endpoint, {
      method: 'POST',
      path: `/${bucket}`,
      headers: { 'content-type': 'multipart/form-data', 'content-length': 4 },
      body: 'abcd',
    });

    // Assess
    for (const response of [broken, noBoundary]) {
      expect(expectS3Error(response, 'MalformedPOSTRequest', 400).Message).toBe(
        'The body of your POST request is not well-formed multipart/form-data.',
      );
    }
  });

  it('fields before the file over 20 KB -> 400 MaxPostPreDataLengthExceededError; 20 KB pass', async () => {
    // Act
    const over = await post([
      ...fields({ key: 'big/over', 'x-amz-meta-big': 'b'.repeat(20 * 1024) }),
      file('x'),
    ]);
    const within = await post([
      ...fields({
        key: 'big/ok',
        'x-ignore-notes': 'b'.repeat(20 * 1024 - 'key'.length - 'big/ok'.length - 'x-ignore-notes'.length),
      }),
      file('x'),
    ]);

    // Assess
    expect(expectS3Error(over, 'MaxPostPreDataLengthExceededError', 400)).toMatchObject({
      Message: 'Your POST request fields preceding the upload file were too large.',
      MaxPostPreDataLengthBytes: '20480',
    });
    expect(within.status).toBe(204);
  });

  it('a bucket that does not exist -> 404 NoSuchBucket', async () => {
    // Act
    const response = await post([...fields({ key: 'x' }), file('x')], 'no-such-bucket-post-e2e');

    // Assess
    expectS3Error(response, 'NoSuchBucket', 404);
  });
});
