import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { expectS3Error, parseXml, type RawResponse, rawExchange, rawRequest } from '../support/e2e/http.js';
import { checksumBase64, md5Base64 } from '../support/e2e/payload.js';
import { awsCli, type CliResult, type Target, useTarget } from '../support/e2e/server.js';

// S3 request and response edges real clients reach: response-* overrides, listing corner cases,
// Content-Encoding lists, requests Node's HTTP parser refuses, and DeleteObjects' rules.
jest.setTimeout(90_000);

let target: Target;
let bucket: string;

beforeAll(async () => {
  target = await useTarget();
  bucket = await target.createBucket('edges');
  await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'report', Body: 'report body' }));
});

afterAll(async () => {
  await target?.close();
});

function aws(...args: string[]): Promise<CliResult> {
  return awsCli(args, { endpoint: target.endpoint });
}

/** A raw GET or HEAD of `path` (query included) on the bucket. */
function get(path: string, method = 'GET'): Promise<RawResponse> {
  return rawRequest(target.endpoint, { method, path: `/${bucket}/${path}` });
}

/** A presigned GetObject of `report` with a Content-Disposition override, fetched as a browser would. */
async function fetchWithDisposition(disposition: string): Promise<Response> {
  const url = await getSignedUrl(
    target.client,
    new GetObjectCommand({ Bucket: bucket, Key: 'report', ResponseContentDisposition: disposition }),
    { expiresIn: 300 },
  );
  return fetch(url, { signal: AbortSignal.timeout(10_000) });
}

async function asRaw(response: Response): Promise<RawResponse> {
  const body = Buffer.from(await response.arrayBuffer());
  return {
    status: response.status,
    headers: Object.fromEntries(response.headers.entries()),
    body,
    text: body.toString('utf8'),
  };
}

describe('response-* overrides', () => {
  it('refuses a presigned UTF-8 filename S3 cannot send as ISO-8859-1 with 400 InvalidArgument', async () => {
    // Act
    const response = await asRaw(await fetchWithDisposition('attachment; filename="报告.pdf"'));

    // Assess
    const error = expectS3Error(response, 'InvalidArgument', 400);
    expect(error.Message).toBe('Header value cannot be represented using ISO-8859-1.');
    expect(parseXml(response.text).Error).toMatchObject({
      ArgumentName: 'response-content-disposition',
      ArgumentValue: 'attachment; filename="报告.pdf"',
    });
  });

  it('sends an RFC 6266 / 5987 encoded filename back as given', async () => {
    // Prepare
    const disposition = `attachment; filename="report.pdf"; filename*=UTF-8''${encodeURIComponent('报告.pdf')}`;

    // Act
    const response = await fetchWithDisposition(disposition);

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe(disposition);
    expect(await response.text()).toBe('report body');
  });

  it('sends an ISO-8859-1 filename as ISO-8859-1', async () => {
    // Act
    const response = await fetchWithDisposition('attachment; filename="café.pdf"');

    // Assess: fetch reads header bytes as ISO-8859-1
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="café.pdf"');
  });

  it.each([
    ['response-content-disposition', 'a%0D%0AX-Injected:%20yes'],
    ['response-content-type', 'text/plain%0A'],
    ['response-cache-control', 'no%7Fcache'],
    ['response-content-language', '%E6%8A%A5'],
  ])('refuses %s=%s (CR, LF, DEL, non-Latin-1) with InvalidArgument on GET and HEAD', async (name, value) => {
    // Act
    const got = await get(`report?${name}=${value}`);
    const head = await get(`report?${name}=${value}`, 'HEAD');

    // Assess
    expectS3Error(got, 'InvalidArgument', 400);
    expect(parseXml(got.text).Error).toMatchObject({ ArgumentName: name });
    expect(got.headers['x-injected']).toBeUndefined();
    expect(head.status).toBe(400);
    expect(head.body.length).toBe(0);
  });

  it('aws-cli: get-object with a UTF-8 disposition fails with InvalidArgument, an encoded one succeeds', async () => {
    // Act
    const refused = await aws(
      's3api',
      'get-object',
      '--bucket',
      bucket,
      '--key',
      'report',
      '--response-content-disposition',
      'attachment; filename="报告.pdf"',
      '/dev/null',
    );
    const encoded = `attachment; filename*=UTF-8''${encodeURIComponent('报告.pdf')}`;
    const served = await aws(
      's3api',
      'get-object',
      '--bucket',
      bucket,
      '--key',
      'report',
      '--response-content-disposition',
      encoded,
      '/dev/null',
    );

    // Assess
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('InvalidArgument');
    expect(served.code).toBe(0);
    expect(JSON.parse(served.stdout).ContentDisposition).toBe(encoded);
  });
});

describe('listing edges', () => {
  beforeAll(async () => {
    for (const Key of ['page/a', 'page/b', 'nl\nx/y', 'nl\nz']) {
      await target.client.send(new PutObjectCommand({ Bucket: bucket, Key, Body: 'x' }));
    }
  });

  it('max-keys=0 answers an empty, non-truncated page in ListObjectsV2, ListObjects and ListObjectVersions', async () => {
    // Act
    const v2 = await target.client.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 0 }));
    const v1 = await target.client.send(
      new ListObjectsCommand({ Bucket: bucket, MaxKeys: 0, Delimiter: '/' }),
    );
    const versions = await target.client.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: 0 }));

    // Assess
    expect(v2).toMatchObject({ IsTruncated: false, KeyCount: 0, MaxKeys: 0 });
    expect(v2.Contents ?? []).toEqual([]);
    expect(v2.NextContinuationToken).toBeUndefined();
    expect(v1).toMatchObject({ IsTruncated: false, MaxKeys: 0 });
    expect([...(v1.Contents ?? []), ...(v1.CommonPrefixes ?? [])]).toEqual([]);
    expect(v1.NextMarker).toBeUndefined();
    expect(versions).toMatchObject({ IsTruncated: false, MaxKeys: 0 });
    expect(versions.Versions ?? []).toEqual([]);
    expect(versions.NextKeyMarker).toBeUndefined();
  });

  it('treats an empty continuation-token as absent', async () => {
    // Act
    const response = await rawRequest(target.endpoint, {
      method: 'GET',
      path: `/${bucket}?list-type=2&prefix=page%2F&continuation-token=`,
    });

    // Assess
    expect(response.status).toBe(200);
    const result = parseXml(response.text).ListBucketResult as Record<string, unknown>;
    expect(result.KeyCount).toBe('2');
    expect(result.ContinuationToken).toBeUndefined();
  });

  it.each([
    ['list-objects-v2', 'Contents'],
    ['list-objects', 'Contents'],
    ['list-object-versions', 'Versions'],
  ])(
    'aws-cli %s: a prefix holding a newline round-trips through encoding-type=url',
    async (command, entries) => {
      // Act: botocore asks for encoding-type=url and decodes what S3 encodes (one page: aws-cli v2's
      // paginator leaves Prefix out of the merged result)
      const result = await aws(
        's3api',
        command,
        '--no-paginate',
        '--bucket',
        bucket,
        '--prefix',
        'nl\n',
        '--delimiter',
        '/',
      );

      // Assess
      expect(result.code).toBe(0);
      const listing = JSON.parse(result.stdout) as Record<string, unknown>;
      expect(listing.Prefix).toBe('nl\n');
      expect((listing[entries] as { Key: string }[]).map((entry) => entry.Key)).toEqual(['nl\nz']);
      expect(listing.CommonPrefixes).toEqual([{ Prefix: 'nl\nx/' }]);
    },
  );
});

describe('Content-Encoding lists', () => {
  it.each([
    ['aws-chunked,gzip', 'gzip'],
    ['gzip, aws-chunked', 'gzip'],
    ['gzip,aws-chunked,br', 'gzip,br'],
    ['deflate, gzip', 'deflate, gzip'],
    ['gzip,br', 'gzip,br'],
    ['aws-chunked', undefined],
  ])('stores %j as %j', async (sent, stored) => {
    // Prepare: a plain body, so only the header says aws-chunked
    const key = `encoding/${encodeURIComponent(sent)}`;

    // Act
    const put = await rawRequest(target.endpoint, {
      method: 'PUT',
      path: `/${bucket}/${key}`,
      headers: { 'content-encoding': sent, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'content-length': 4 },
      body: 'data',
    });
    const got = await rawRequest(target.endpoint, { method: 'GET', path: `/${bucket}/${key}` });

    // Assess
    expect(put.status).toBe(200);
    expect(got.headers['content-encoding']).toBe(stored);
    expect(got.text).toBe('data');
  });
});

describe('requests the HTTP parser refuses', () => {
  it('answers an unknown method (BREW) with S3 XML MethodNotAllowed, a request id and Connection: close', async () => {
    // Act
    const response = await rawExchange(
      target.endpoint,
      `BREW /${bucket}/report HTTP/1.1\r\nHost: localhost\r\n\r\n`,
    );

    // Assess
    const error = expectS3Error(response, 'MethodNotAllowed', 405);
    expect(error.RequestId).toMatch(/^[0-9A-F]{16}$/);
    expect(response.headers.connection).toBe('close');
    expect(parseXml(response.text).Error).toMatchObject({ Method: 'BREW' });
  });

  it('answers a malformed header with S3 XML InvalidRequest', async () => {
    // Act
    const response = await rawExchange(
      target.endpoint,
      `GET /${bucket}/report HTTP/1.1\r\nHost: localhost\r\nBad Header: x\r\n\r\n`,
    );

    // Assess
    expectS3Error(response, 'InvalidRequest', 400);
    expect(response.headers.connection).toBe('close');
  });

  it('answers an oversized header section with S3 XML RequestHeaderSectionTooLarge', async () => {
    // Act
    const response = await rawExchange(
      target.endpoint,
      `GET /${bucket}/report HTTP/1.1\r\nHost: localhost\r\nx-amz-meta-big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );

    // Assess
    expectS3Error(response, 'RequestHeaderSectionTooLarge', 400);
  });
});

describe('error XML', () => {
  it('never carries a raw NUL: a bucket name with %00 is InvalidBucketName in well-formed XML', async () => {
    // Act
    const response = await rawRequest(target.endpoint, { method: 'GET', path: '/bad%00name' });

    // Assess
    expectS3Error(response, 'InvalidBucketName', 400);
    expect(response.text).not.toContain('\u0000');
    expect(response.text).not.toMatch(/&#x?0+;/);
  });
});

describe('GetObject partNumber', () => {
  it.each(['0', '10001', 'one'])(
    'answers partNumber=%s with 400 InvalidArgument, as docs/errors.md says',
    async (partNumber) => {
      // Act
      const response = await get(`report?partNumber=${partNumber}`);

      // Assess
      expectS3Error(response, 'InvalidArgument', 400);
      expect(parseXml(response.text).Error).toMatchObject({ ArgumentName: 'partNumber' });
    },
  );

  it('answers a part the object does not have with 416 InvalidPartNumber', async () => {
    expectS3Error(await get('report?partNumber=2'), 'InvalidPartNumber', 416);
  });
});

describe('DeleteObjects', () => {
  const deleteBody = (...keys: string[]) =>
    `<Delete>${keys.map((key) => `<Object><Key>${key}</Key></Object>`).join('')}</Delete>`;
  const postDelete = (body: string, headers: Record<string, string> = {}) =>
    rawRequest(target.endpoint, {
      method: 'POST',
      path: `/${bucket}?delete`,
      headers: { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body), ...headers },
      body,
    });
  const exists = async (key: string) =>
    (await rawRequest(target.endpoint, { method: 'HEAD', path: `/${bucket}/${key}` })).status === 200;
  const seed = (key: string) =>
    target.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'x' }));

  it('reports an empty key as an <Error> (UserKeyMustBeSpecified), not as <Deleted>', async () => {
    // Prepare
    await seed('del/real');

    // Act
    const result = await target.client.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: '' }, { Key: 'del/real' }] } }),
    );

    // Assess
    expect((result.Deleted ?? []).map((entry) => entry.Key)).toEqual(['del/real']);
    expect(result.Errors).toEqual([expect.objectContaining({ Key: '', Code: 'UserKeyMustBeSpecified' })]);
    expect(await exists('del/real')).toBe(false);
  });

  it('requires Content-MD5 or an x-amz-checksum-* header: without one, InvalidRequest and nothing deleted', async () => {
    // Prepare
    await seed('del/kept');

    // Act
    const response = await postDelete(deleteBody('del/kept'));

    // Assess
    const error = expectS3Error(response, 'InvalidRequest', 400);
    expect(error.Message).toBe('Missing required header for this request: Content-MD5');
    expect(await exists('del/kept')).toBe(true);
  });

  it('accepts Content-MD5 or an x-amz-checksum-* header alone, and checks it against the body', async () => {
    // Prepare
    await seed('del/md5');
    await seed('del/crc');
    const md5Body = deleteBody('del/md5');
    const crcBody = deleteBody('del/crc');

    // Act
    const wrong = await postDelete(md5Body, { 'content-md5': md5Base64('something else') });
    const byMd5 = await postDelete(md5Body, { 'content-md5': md5Base64(md5Body) });
    const byCrc = await postDelete(crcBody, {
      'x-amz-checksum-crc32': await checksumBase64('CRC32', Buffer.from(crcBody)),
    });

    // Assess
    expectS3Error(wrong, 'BadDigest', 400);
    expect([byMd5.status, byCrc.status]).toEqual([200, 200]);
    expect([await exists('del/md5'), await exists('del/crc')]).toEqual([false, false]);
  });

  it('aws-cli: s3api delete-objects and s3 rm --recursive still work', async () => {
    // Prepare
    for (const key of ['cli/a', 'cli/b', 'cli/rm/c', 'cli/rm/d']) await seed(key);

    // Act
    const deleted = await aws(
      's3api',
      'delete-objects',
      '--bucket',
      bucket,
      '--delete',
      JSON.stringify({ Objects: [{ Key: 'cli/a' }, { Key: 'cli/b' }] }),
    );
    const removed = await aws('s3', 'rm', '--recursive', `s3://${bucket}/cli/rm/`);

    // Assess
    expect(deleted.code).toBe(0);
    expect(JSON.parse(deleted.stdout).Deleted).toHaveLength(2);
    expect(removed.code).toBe(0);
    const left = await target.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'cli/' }));
    expect(left.KeyCount).toBe(0);
  });
});
