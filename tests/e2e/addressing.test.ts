import { randomBytes } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { Agent } from 'node:http';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { rawRequest } from '../support/e2e/http.js';
import { presignUrl } from '../support/e2e/presign.js';
import { s3Client, type Target, useTarget } from '../support/e2e/server.js';

jest.setTimeout(60_000);

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * `bucket.localhost` does not resolve through this machine's resolver (only `localhost` is in
 * /etc/hosts), so the SDK's agent maps `localhost` and `*.localhost` to 127.0.0.1 itself, as
 * browsers and systemd-resolved do (RFC 6761). The Host header still names the bucket.
 */
function loopbackLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) {
    if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
    else callback(null, '127.0.0.1', 4);
    return;
  }
  (dnsLookup as unknown as (h: string, o: LookupOptions, cb: LookupCallback) => void)(
    hostname,
    options,
    callback,
  );
}

let target: Target;
let bucket: string;
let port: string;
let virtualHostClient: S3Client;
const hostsSeen: string[] = [];

beforeAll(async () => {
  target = await useTarget();
  bucket = await target.createBucket('vhost');
  port = new URL(target.endpoint).port;
  virtualHostClient = s3Client(`http://localhost:${port}`, {
    forcePathStyle: false,
    requestHandler: { httpAgent: new Agent({ lookup: loopbackLookup as never }) },
  });
  virtualHostClient.middlewareStack.add(
    (next) => async (args) => {
      hostsSeen.push((args.request as { hostname?: string }).hostname ?? '');
      return next(args);
    },
    { step: 'finalizeRequest', name: 'recordHost' },
  );
});

afterAll(async () => {
  virtualHostClient?.destroy();
  await target?.close();
});

describe('virtual-host-style addressing', () => {
  it('the SDK (forcePathStyle false) puts and gets through bucket.localhost', async () => {
    // Prepare
    const body = randomBytes(2048);
    hostsSeen.length = 0;

    // Act
    await virtualHostClient.send(new PutObjectCommand({ Bucket: bucket, Key: 'dir/vhost.bin', Body: body }));
    const got = await virtualHostClient.send(new GetObjectCommand({ Bucket: bucket, Key: 'dir/vhost.bin' }));
    const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? []);

    // Assess
    expect(hostsSeen).toEqual([`${bucket}.localhost`, `${bucket}.localhost`]);
    expect(bytes.equals(body)).toBe(true);
  });

  it('an object written virtual-host style is the same object path style', async () => {
    // Prepare
    await virtualHostClient.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'shared.txt', Body: 'same object' }),
    );

    // Act
    const got = await target.client.send(new GetObjectCommand({ Bucket: bucket, Key: 'shared.txt' }));

    // Assess
    expect(await got.Body?.transformToString()).toBe('same object');
  });

  it('lists a bucket virtual-host style', async () => {
    // Prepare
    await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'listed/one', Body: '1' }));

    // Act
    const page = await virtualHostClient.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: 'listed/' }),
    );

    // Assess
    expect((page.Contents ?? []).map((o) => o.Key)).toEqual(['listed/one']);
  });

  it('a raw request with Host: bucket.localhost:PORT reaches the bucket', async () => {
    // Prepare
    const host = `${bucket}.localhost:${port}`;

    // Act
    const put = await rawRequest(target.endpoint, {
      method: 'PUT',
      path: '/raw/key.txt',
      headers: { host, 'content-length': 8 },
      body: 'raw body',
    });
    const got = await rawRequest(target.endpoint, { method: 'GET', path: '/raw/key.txt', headers: { host } });
    const viaPath = await rawRequest(target.endpoint, { method: 'GET', path: `/${bucket}/raw/key.txt` });

    // Assess
    expect(put.status).toBe(200);
    expect(got.status).toBe(200);
    expect(got.text).toBe('raw body');
    expect(viaPath.text).toBe('raw body');
  });

  it('a bare localhost Host stays path style', async () => {
    // Act
    const got = await rawRequest(target.endpoint, {
      method: 'GET',
      path: `/${bucket}/shared.txt`,
      headers: { host: `localhost:${port}` },
    });

    // Assess
    expect(got.status).toBe(200);
    expect(got.text).toBe('same object');
  });
});

describe('presigned URLs', () => {
  it('GET through a presigned URL with no other credentials', async () => {
    // Prepare
    const body = randomBytes(4096);
    await target.client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'presigned/get me.bin', Body: body }),
    );
    const url = presignUrl(target.endpoint, 'GET', bucket, 'presigned/get me.bin');

    // Act
    const response = await fetch(url);
    const bytes = Buffer.from(await response.arrayBuffer());

    // Assess
    expect(url).toContain('X-Amz-Signature=');
    expect(response.status).toBe(200);
    expect(bytes.equals(body)).toBe(true);
  });

  it('PUT through a presigned URL stores the object', async () => {
    // Prepare
    const url = presignUrl(target.endpoint, 'PUT', bucket, 'presigned/put.txt');

    // Act
    const response = await fetch(url, {
      method: 'PUT',
      body: 'uploaded by URL',
      headers: { 'content-type': 'text/plain' },
    });
    await response.arrayBuffer();
    const got = await target.client.send(new GetObjectCommand({ Bucket: bucket, Key: 'presigned/put.txt' }));

    // Assess
    expect(response.status).toBe(200);
    expect(await got.Body?.transformToString()).toBe('uploaded by URL');
    expect(got.ContentType).toBe('text/plain');
  });
});
