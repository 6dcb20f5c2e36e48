import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { expectS3Error, openSocket, rawRequest, readUntilClosed } from '../support/e2e/http.js';
import { checksumBase64, md5Base64 } from '../support/e2e/payload.js';
import { type Target, useTarget } from '../support/e2e/server.js';

jest.setTimeout(60_000);

let target: Target;
let bucket: string;

beforeAll(async () => {
  target = await useTarget();
  bucket = await target.createBucket('bad-input');
});

afterAll(async () => {
  await target?.close();
});

function put(key: string, body: Buffer | string, headers: Record<string, string | number> = {}) {
  return rawRequest(target.endpoint, {
    method: 'PUT',
    path: `/${bucket}/${encodeURIComponent(key)}`,
    headers: { 'content-length': Buffer.byteLength(body), ...headers },
    body,
  });
}

async function headStatus(key: string): Promise<number> {
  return (
    await rawRequest(target.endpoint, { method: 'HEAD', path: `/${bucket}/${encodeURIComponent(key)}` })
  ).status;
}

describe('integrity checks on PUT', () => {
  it('wrong Content-MD5 -> BadDigest, nothing stored', async () => {
    // Act
    const response = await put('md5', 'hello', { 'content-md5': md5Base64('other') });

    // Assess
    expectS3Error(response, 'BadDigest', 400);
    expect(await headStatus('md5')).toBe(404);
  });

  it('wrong x-amz-checksum-crc32 -> BadDigest, nothing stored', async () => {
    // Act
    const response = await put('crc32', 'hello', {
      'x-amz-checksum-crc32': await checksumBase64('CRC32', Buffer.from('other')),
    });

    // Assess
    expectS3Error(response, 'BadDigest', 400);
    expect(await headStatus('crc32')).toBe(404);
  });

  it('x-amz-content-sha256 mismatch -> XAmzContentSHA256Mismatch, nothing stored', async () => {
    // Act
    const response = await put('sha256', 'hello', {
      'x-amz-content-sha256': createHash('sha256').update('other').digest('hex'),
    });

    // Assess
    expectS3Error(response, 'XAmzContentSHA256Mismatch', 400);
    expect(await headStatus('sha256')).toBe(404);
  });
});

describe('aws-chunked bodies', () => {
  const chunkedHeaders = (body: string, decodedLength: number, mode: string) => ({
    'content-encoding': 'aws-chunked',
    'x-amz-content-sha256': mode,
    'x-amz-decoded-content-length': decodedLength,
    'content-length': Buffer.byteLength(body),
  });

  it('decodes an unsigned body with a trailing checksum and stores only the payload', async () => {
    // Prepare
    const crc = await checksumBase64('CRC32', Buffer.from('hello world'));
    const body = `6\r\nhello \r\n5\r\nworld\r\n0\r\nx-amz-checksum-crc32:${crc}\r\n\r\n`;

    // Act
    const response = await put('chunked-ok', body, {
      ...chunkedHeaders(body, 11, 'STREAMING-UNSIGNED-PAYLOAD-TRAILER'),
      'x-amz-trailer': 'x-amz-checksum-crc32',
    });
    const got = await rawRequest(target.endpoint, {
      method: 'GET',
      path: `/${bucket}/chunked-ok`,
      headers: { 'x-amz-checksum-mode': 'ENABLED' },
    });

    // Assess
    expect(response.status).toBe(200);
    expect(got.text).toBe('hello world');
    expect(got.headers['content-encoding'] ?? '').not.toContain('aws-chunked');
    expect(got.headers['x-amz-checksum-crc32']).toBe(crc);
  });

  it('decodes a signed body with chunk-signature extensions', async () => {
    // Prepare
    const sig = 'a'.repeat(64);
    const body = `5;chunk-signature=${sig}\r\nhello\r\n0;chunk-signature=${sig}\r\n\r\n`;

    // Act
    const response = await put(
      'chunked-signed',
      body,
      chunkedHeaders(body, 5, 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD'),
    );
    const got = await rawRequest(target.endpoint, { method: 'GET', path: `/${bucket}/chunked-signed` });

    // Assess
    expect(response.status).toBe(200);
    expect(got.text).toBe('hello');
  });

  it('rejects malformed framing with a 400 S3 error, nothing stored', async () => {
    // Prepare: "zz" is not a hex chunk size.
    const body = 'zz\r\nhello\r\n0\r\n\r\n';

    // Act
    const response = await put(
      'chunked-bad',
      body,
      chunkedHeaders(body, 5, 'STREAMING-UNSIGNED-PAYLOAD-TRAILER'),
    );

    // Assess
    expectS3Error(response, undefined, 400);
    expect(await headStatus('chunked-bad')).toBe(404);
  });

  it('rejects a wrong trailing checksum with BadDigest', async () => {
    // Prepare
    const crc = await checksumBase64('CRC32', Buffer.from('other'));
    const body = `5\r\nhello\r\n0\r\nx-amz-checksum-crc32:${crc}\r\n\r\n`;

    // Act
    const response = await put('chunked-crc', body, {
      ...chunkedHeaders(body, 5, 'STREAMING-UNSIGNED-PAYLOAD-TRAILER'),
      'x-amz-trailer': 'x-amz-checksum-crc32',
    });

    // Assess
    expectS3Error(response, 'BadDigest', 400);
    expect(await headStatus('chunked-crc')).toBe(404);
  });
});

describe('broken connections', () => {
  const requestHead = (key: string, length: number) =>
    `PUT /${bucket}/${key} HTTP/1.1\r\nHost: ${new URL(target.endpoint).host}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${length}\r\n\r\n`;

  it('a body shorter than Content-Length, then the client half-closes: nothing becomes visible', async () => {
    // Prepare
    const socket = await openSocket(target.endpoint);
    const closed = readUntilClosed(socket);

    // Act
    socket.end(`${requestHead('short-body', 1000)}${'x'.repeat(10)}`);
    const answer = await closed;

    // Assess: either an error response or a dropped connection, never a 200.
    expect(answer).not.toMatch(/^HTTP\/1\.1 200/);
    expect(await headStatus('short-body')).toBe(404);
  });

  it('a client that disconnects mid-upload leaves no object behind', async () => {
    // Prepare
    const socket = await openSocket(target.endpoint);
    socket.write(requestHead('mid-upload', 1024 * 1024));
    socket.write(Buffer.alloc(64 * 1024, 1));

    // Act
    socket.destroy();
    await once(socket, 'close');

    // Assess: checked repeatedly, since the server notices the reset asynchronously.
    for (let i = 0; i < 5; i++) expect(await headStatus('mid-upload')).toBe(404);
    const listed = await rawRequest(target.endpoint, {
      method: 'GET',
      path: `/${bucket}?list-type=2&prefix=mid-upload`,
    });
    expect(listed.text).not.toContain('<Key>mid-upload</Key>');
  });
});

describe('requests S3 ignores or refuses', () => {
  it.each(['bytes=abc', 'items=0-5', 'bytes=5-2'])(
    'ignores the invalid Range %s and serves the whole object',
    async (range) => {
      // Prepare
      await put('whole', '0123456789');

      // Act
      const response = await rawRequest(target.endpoint, {
        method: 'GET',
        path: `/${bucket}/whole`,
        headers: { range },
      });

      // Assess
      expect(response.status).toBe(200);
      expect(response.text).toBe('0123456789');
    },
  );

  it('GET ?lifecycle on a bucket -> 501 NotImplemented naming the operation', async () => {
    // Act
    const response = await rawRequest(target.endpoint, { method: 'GET', path: `/${bucket}?lifecycle` });

    // Assess
    expectS3Error(response, 'NotImplemented', 501);
    expect(response.text).toContain('?lifecycle');
  });

  it('PUT ?legal-hold on an object -> 501 NotImplemented, the object untouched', async () => {
    // Prepare
    await put('hold-target', 'x');

    // Act
    const response = await rawRequest(target.endpoint, {
      method: 'PUT',
      path: `/${bucket}/hold-target?legal-hold`,
      body: '<LegalHold><Status>ON</Status></LegalHold>',
    });
    const read = await rawRequest(target.endpoint, { method: 'GET', path: `/${bucket}/hold-target` });

    // Assess
    expectS3Error(response, 'NotImplemented', 501);
    expect(read.text).toBe('x');
  });

  it('NoSuchKey errors carry the S3 error shape and a Resource', async () => {
    // Act
    const response = await rawRequest(target.endpoint, { method: 'GET', path: `/${bucket}/absent-key` });

    // Assess
    const error = expectS3Error(response, 'NoSuchKey', 404);
    expect(response.text).toContain('<Error>');
    expect(error.Resource ?? '').toContain('absent-key');
  });
});

describe('after all of the above', () => {
  it('the server still answers', async () => {
    // Act
    const head = await target.client.send(new HeadBucketCommand({ Bucket: bucket }));

    // Assess
    expect(head.$metadata.httpStatusCode).toBe(200);
  });
});
