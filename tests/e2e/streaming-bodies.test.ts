import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import {
  blobReplicas,
  eventually,
  type FaultTarget,
  failureOf,
  NODE_IDS,
  startFaultServer,
} from '../support/e2e/faults.js';
import { expectS3Error, openSocket, rawRequest } from '../support/e2e/http.js';
import { awsCli } from '../support/e2e/server.js';

// Streaming exists in embedded mode only, and these tests read the server's memory and data
// directory: a server of our own, even when S3_ENDPOINT names a shared one.
jest.setTimeout(180_000);

const MiB = 1024 * 1024;
/** How much a streamed transfer may raise the server's resident memory (the goal for 1 GiB). */
const RSS_BUDGET = 64 * MiB;

let target: FaultTarget;
let bucket: string;

/** The server's RSS once warm (a streamed PUT and GET done): every transfer is measured against it. */
let warmRss: number;

beforeAll(async () => {
  target = await startFaultServer();
  bucket = await target.createBucket('streaming');
  const warmUp = randomBytes(2 * MiB);
  await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'warm-up', Body: warmUp }));
  await sdkGetDigest('warm-up');
  warmRss = await serverRss();
});

afterEach(async () => {
  await target.faults.reset();
});

afterAll(async () => {
  await target?.close();
});

/** The server's resident set size, from /proc (Linux). */
async function serverRss(): Promise<number> {
  const status = await readFile(`/proc/${target.server.pid}/status`, 'utf8');
  const kib = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return Number(kib) * 1024;
}

/**
 * Runs `work` while sampling the server's RSS; resolves with its result and the peak's rise over
 * the warm server's RSS (not over the start of `work`: memory an earlier transfer kept would hide
 * a later one's buffering). `from` replaces that base for a transfer measured after others that
 * left the server's RSS raised (freed heap not returned): a buffered copy still allocates its
 * object anew on top of it.
 */
async function peakRssRise<T>(work: () => Promise<T>, from = warmRss): Promise<{ result: T; rise: number }> {
  let peak = await serverRss();
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, await serverRss());
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  try {
    const result = await work();
    return { result, rise: peak - from };
  } finally {
    sampling = false;
    await sampler;
  }
}

function sha256(bytes: Buffer | Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Reads an SDK GetObject body as a stream, hashing it, so the test holds no second copy. */
async function sdkGetDigest(key: string, range?: string): Promise<{ digest: string; length: number }> {
  const got = await target.client.send(
    new GetObjectCommand({ Bucket: bucket, Key: key, ...(range ? { Range: range } : {}) }),
  );
  const hash = createHash('sha256');
  let length = 0;
  for await (const chunk of got.Body as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    length += chunk.length;
  }
  return { digest: hash.digest('hex'), length };
}

/** Every blob id with a replica on some node, and every temp file a write left on a node. */
async function storedBlobIds(): Promise<string[]> {
  const temps = await Promise.all(
    NODE_IDS.map((node) => readdir(join(target.dataDir, 'nodes', node, 'tmp')).catch(() => [] as string[])),
  );
  return [
    ...(await blobReplicas(target.dataDir)).keys(),
    ...temps.flat().map((name) => `tmp/${name}`),
  ].sort();
}

/**
 * A GET on a connection of its own, read until the server closes it (`Connection: close`, or a
 * body cut short): the response head as text and the body bytes that came.
 */
async function getUntilClosed(path: string): Promise<{ head: string; body: Buffer }> {
  const socket = await openSocket(target.endpoint);
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  await once(socket, 'close');
  const received = Buffer.concat(chunks);
  const headerEnd = received.indexOf('\r\n\r\n');
  return { head: received.subarray(0, headerEnd).toString('latin1'), body: received.subarray(headerEnd + 4) };
}

describe('large PUT and GET stream through the server', () => {
  it('SDK v3 (aws-chunked, CRC32 trailer): 128 MiB in and out, bytes intact, RSS bounded', async () => {
    const body = randomBytes(128 * MiB);
    const put = await peakRssRise(() =>
      target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'sdk-large', Body: body })),
    );
    expect(put.result.ETag).toBe(`"${createHash('md5').update(body).digest('hex')}"`);
    expect(put.result.ChecksumCRC32).toBeDefined();
    expect(put.rise).toBeLessThan(RSS_BUDGET);

    const get = await peakRssRise(() => sdkGetDigest('sdk-large'));
    expect(get.result).toEqual({ digest: sha256(body), length: body.length });
    expect(get.rise).toBeLessThan(RSS_BUDGET);

    const range = await sdkGetDigest('sdk-large', 'bytes=1000-3000000');
    expect(range).toEqual({ digest: sha256(body.subarray(1000, 3_000_001)), length: 2_999_001 });
  });

  it('SDK v3 with a stream Body (Transfer-Encoding: chunked, decoded length only): 96 MiB, RSS bounded', async () => {
    const block = randomBytes(MiB);
    const blocks = 96;
    const md5 = createHash('md5');
    for (let i = 0; i < blocks; i++) md5.update(block);
    const put = await peakRssRise(() =>
      target.client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: 'sdk-stream',
          Body: Readable.from(Array.from({ length: blocks }, () => block)),
          ContentLength: blocks * MiB,
        }),
      ),
    );
    expect(put.result.ETag).toBe(`"${md5.digest('hex')}"`);
    expect(put.rise).toBeLessThan(RSS_BUDGET);
  });

  it('aws-cli s3api put-object and get-object of 64 MiB, RSS bounded', async () => {
    const body = randomBytes(64 * MiB);
    const source = join(target.dataDir, 'cli-source.bin');
    const copy = join(target.dataDir, 'cli-copy.bin');
    await writeFile(source, body);
    try {
      const put = await peakRssRise(() =>
        awsCli(['s3api', 'put-object', '--bucket', bucket, '--key', 'cli-large', '--body', source], {
          endpoint: target.endpoint,
        }),
      );
      expect(put.result.code).toBe(0);
      expect(put.rise).toBeLessThan(RSS_BUDGET);
      const get = await peakRssRise(() =>
        awsCli(['s3api', 'get-object', '--bucket', bucket, '--key', 'cli-large', copy], {
          endpoint: target.endpoint,
        }),
      );
      expect(get.result.code).toBe(0);
      expect(get.rise).toBeLessThan(RSS_BUDGET);
      expect(sha256(await readFile(copy))).toBe(sha256(body));
    } finally {
      await rm(source, { force: true });
      await rm(copy, { force: true });
    }
  });

  it('lib-storage multipart upload of 8 MiB parts: each part streamed, the object reads back whole', async () => {
    const body = randomBytes(36 * MiB);
    const upload = new Upload({
      client: target.client,
      params: { Bucket: bucket, Key: 'multipart-large', Body: body },
      partSize: 8 * MiB,
      queueSize: 2,
    });
    const done = await upload.done();
    expect(done.ETag).toMatch(/-5"$/);
    expect(await sdkGetDigest('multipart-large')).toEqual({ digest: sha256(body), length: body.length });
    // A range across the first part boundary reads two segments one after the other.
    const across = await sdkGetDigest('multipart-large', `bytes=${8 * MiB - 10}-${8 * MiB + 10}`);
    expect(across.digest).toBe(sha256(body.subarray(8 * MiB - 10, 8 * MiB + 11)));
  });
});

describe('a streamed body that fails its checks leaves nothing', () => {
  it('a wrong Content-MD5 on a 3 MiB body is BadDigest, with no object and no blob', async () => {
    const before = await storedBlobIds();
    const body = randomBytes(3 * MiB);
    const response = await rawRequest(target.endpoint, {
      method: 'PUT',
      path: `/${bucket}/bad-md5`,
      headers: {
        'content-length': body.length,
        'content-md5': createHash('md5').update('something else').digest('base64'),
      },
      body,
    });
    expectS3Error(response, 'BadDigest', 400);
    expect(response.text).toContain('The Content-MD5 you specified did not match what we received.');
    const head = await failureOf(
      target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'bad-md5' })),
    );
    expect(head.name).toBe('NotFound');
    expect(await storedBlobIds()).toEqual(before);
  });

  it('an SDK upload part with a wrong CRC32 is BadDigest, with no part blob left', async () => {
    const before = await storedBlobIds();
    const created = await target.client.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'bad-part', ChecksumAlgorithm: 'CRC32' }),
    );
    const failure = await failureOf(
      target.client.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: 'bad-part',
          UploadId: created.UploadId,
          PartNumber: 1,
          Body: randomBytes(6 * MiB),
          ChecksumCRC32: 'AAAAAA==',
        }),
      ),
    );
    expect(failure.name).toBe('BadDigest');
    expect(await storedBlobIds()).toEqual(before);
  });
});

describe('a client that disconnects mid-upload', () => {
  it('leaves no object and no blob', async () => {
    const before = await storedBlobIds();
    const socket = await openSocket(target.endpoint);
    socket.write(`PUT /${bucket}/half HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${16 * MiB}\r\n\r\n`);
    // Written in full before the socket goes: the server has taken part of the body.
    if (!socket.write(randomBytes(5 * MiB))) await once(socket, 'drain');
    socket.destroy();
    const head = await failureOf(target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'half' })));
    expect(head.name).toBe('NotFound');
    await eventually(storedBlobIds, (ids) => JSON.stringify(ids) === JSON.stringify(before), {
      what: 'no blob of the abandoned upload',
    });
  });
});

describe('streamed GET responses', () => {
  it('a truncate socket fault cuts a streamed body under its full Content-Length', async () => {
    const body = randomBytes(4 * MiB);
    await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'cut', Body: body }));
    await target.faults.addRule({
      match: { service: 'gateway', point: 'gateway.socket', operation: 'GetObject', bucket },
      fault: { type: 'truncate', afterBytes: MiB },
    });
    const { head, body: received } = await getUntilClosed(`/${bucket}/cut`);
    expect(head).toMatch(/^HTTP\/1\.1 200/);
    expect(head).toMatch(new RegExp(`content-length: ${body.length}`, 'i'));
    expect(received.equals(body.subarray(0, MiB))).toBe(true);
  });

  it('a segment that cannot be read after the headers went out ends the connection short', async () => {
    const key = 'lost-second-part';
    const created = await target.client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    const first = randomBytes(5 * MiB);
    const before = new Set(await storedBlobIds());
    const part1 = await target.client.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId: created.UploadId,
        PartNumber: 1,
        Body: first,
      }),
    );
    const afterFirst = new Set(await storedBlobIds());
    const part2 = await target.client.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId: created.UploadId,
        PartNumber: 2,
        Body: randomBytes(2 * MiB),
      }),
    );
    const secondBlob = (await storedBlobIds()).find((id) => !afterFirst.has(id) && !before.has(id));
    expect(secondBlob).toBeDefined();
    await target.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId: created.UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: part1.ETag },
            { PartNumber: 2, ETag: part2.ETag },
          ],
        },
      }),
    );
    for (const node of NODE_IDS) {
      await rm(join(target.dataDir, 'nodes', node, 'blobs', secondBlob!.slice(0, 2), secondBlob!), {
        force: true,
      });
    }
    const { head, body: bodyBytes } = await getUntilClosed(`/${bucket}/${key}`);
    expect(head).toMatch(/^HTTP\/1\.1 200/);
    expect(head).toMatch(new RegExp(`content-length: ${7 * MiB}`, 'i'));
    expect(bodyBytes.length).toBeLessThan(7 * MiB);
    expect(bodyBytes.subarray(0, first.length).equals(first.subarray(0, bodyBytes.length))).toBe(true);
  });
});

describe('large copies stream from the source blobs into the new blob', () => {
  it('CopyObject of a 128 MiB object (with a CRC32 asked for): bytes, ETag and checksum intact, RSS bounded', async () => {
    const body = randomBytes(128 * MiB);
    await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'copy-source', Body: body }));
    const copy = await peakRssRise(
      () =>
        target.client.send(
          new CopyObjectCommand({
            Bucket: bucket,
            Key: 'copy-target',
            CopySource: `${bucket}/copy-source`,
            ChecksumAlgorithm: 'CRC32',
          }),
        ),
      await serverRss(),
    );
    expect(copy.result.CopyObjectResult?.ETag).toBe(`"${createHash('md5').update(body).digest('hex')}"`);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    expect(copy.result.CopyObjectResult?.ChecksumCRC32).toBe(crc.toString('base64'));
    expect(copy.rise).toBeLessThan(RSS_BUDGET);
    expect(await sdkGetDigest('copy-target')).toEqual({ digest: sha256(body), length: body.length });
  });

  it('UploadPartCopy of a 96 MiB range: the part streams, the completed object reads back', async () => {
    const body = randomBytes(100 * MiB);
    await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'part-source', Body: body }));
    const created = await target.client.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'part-copy' }),
    );
    const range = { start: 3 * MiB + 7, end: 99 * MiB + 6 };
    const copied = await peakRssRise(
      () =>
        target.client.send(
          new UploadPartCopyCommand({
            Bucket: bucket,
            Key: 'part-copy',
            UploadId: created.UploadId,
            PartNumber: 1,
            CopySource: `${bucket}/part-source`,
            CopySourceRange: `bytes=${range.start}-${range.end}`,
          }),
        ),
      await serverRss(),
    );
    const expected = body.subarray(range.start, range.end + 1);
    expect(copied.result.CopyPartResult?.ETag).toBe(`"${createHash('md5').update(expected).digest('hex')}"`);
    expect(copied.rise).toBeLessThan(RSS_BUDGET);
    await target.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: 'part-copy',
        UploadId: created.UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: copied.result.CopyPartResult?.ETag }] },
      }),
    );
    expect(await sdkGetDigest('part-copy')).toEqual({ digest: sha256(expected), length: expected.length });
  });
});
