import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { type FaultTarget, failureOf, startFaultServer, timed } from '../../support/e2e/faults.js';
import { rawRequest } from '../../support/e2e/http.js';
import { awsCli } from '../../support/e2e/server.js';

jest.setTimeout(120_000);

let target: FaultTarget;
let bucket: string;
const SIZE = 100_000;
const body = randomBytes(SIZE);

beforeAll(async () => {
  target = await startFaultServer();
  bucket = await target.createBucket('socket-faults');
  await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'blob', Body: body }));
});

afterEach(async () => {
  await target.faults.reset();
});

afterAll(async () => {
  await target?.close();
});

/**
 * GetObject read to the end with the SDK (default checksum settings, no retries, keep-alive
 * connections reused across tests as in real use). Bounded, so a hung response fails the test
 * instead of the suite.
 */
async function sdkGet(): Promise<Buffer> {
  const got = await target.client.send(new GetObjectCommand({ Bucket: bucket, Key: 'blob' }), {
    abortSignal: AbortSignal.timeout(20_000),
  });
  return Buffer.from((await got.Body?.transformToByteArray()) ?? []);
}

/** Name, code and message of a failure, for matching. */
function described(failure: Error & Record<string, unknown>): string {
  return `${failure.name} ${String(failure.code)} ${failure.message}`;
}

/** A network failure of a GET: the connection reset or closed before the body was complete. */
const CUT_SHORT = /ECONNRESET|socket hang up|aborted|EPIPE|premature|closed/i;

/** A socket rule on GetObject of this file's bucket. */
function onGet(fault: Record<string, unknown>) {
  return target.faults.addRule({
    match: { service: 'gateway', point: 'gateway.socket', operation: 'GetObject', bucket },
    fault,
  });
}

function cliGet() {
  return awsCli(['s3', 'cp', `s3://${bucket}/blob`, '-'], { endpoint: target.endpoint });
}

describe('reset', () => {
  it('mid-body: the SDK reports an error instead of returning short data', async () => {
    // Prepare
    const rule = await onGet({ type: 'reset', afterBytes: 10_000 });

    // Act
    const failure = await failureOf(sdkGet());

    // Assess
    expect(described(failure)).toMatch(CUT_SHORT);
    expect((await target.faults.events({ rule: rule.id })).length).toBeGreaterThanOrEqual(1);
  });

  it('before any byte: the SDK reports a connection error', async () => {
    // Prepare
    await onGet({ type: 'reset' });

    // Act
    const failure = await failureOf(sdkGet());

    // Assess
    expect(described(failure)).toMatch(CUT_SHORT);
  });

  it('mid-body: aws-cli exits non-zero', async () => {
    // Prepare
    await onGet({ type: 'reset', afterBytes: 10_000 });

    // Act
    const cli = await cliGet();

    // Assess
    expect(cli.code).not.toBe(0);
    expect(Buffer.byteLength(cli.stdout, 'latin1')).toBeLessThan(SIZE);
  });
});

describe('truncate', () => {
  it('the SDK reports an error, never a short body', async () => {
    // Prepare
    await onGet({ type: 'truncate', afterBytes: 50_000 });

    // Act
    const failure = await failureOf(sdkGet());

    // Assess
    expect(described(failure)).toMatch(CUT_SHORT);
  });

  it('a raw client sees the full Content-Length and fewer bytes', async () => {
    // Prepare
    await onGet({ type: 'truncate', afterBytes: 1000 });

    // Act
    const failure = await failureOf(rawRequest(target.endpoint, { method: 'GET', path: `/${bucket}/blob` }));

    // Assess
    expect(String(failure.code ?? failure.message)).toMatch(/ECONNRESET|aborted|premature/i);
  });

  it('aws-cli exits non-zero', async () => {
    // Prepare
    await onGet({ type: 'truncate', afterBytes: 50_000 });

    // Act
    const cli = await cliGet();

    // Assess
    expect(cli.code).not.toBe(0);
  });
});

describe('slow deliveries still deliver exact bytes', () => {
  it('bandwidth: a GET takes at least size / bytesPerSec', async () => {
    // Prepare
    await onGet({ type: 'bandwidth', bytesPerSec: 50_000 });

    // Act
    const { ms, result } = await timed(sdkGet);

    // Assess
    expect(result.equals(body)).toBe(true);
    // 100 KB at 50 KB/s: at least 2 s, less the first slice that leaves at once.
    expect(ms).toBeGreaterThanOrEqual(1900);
    expect(ms).toBeLessThan(30_000);
  });

  it('slow_body: chunks with a pause between them', async () => {
    // Prepare
    await onGet({ type: 'slow_body', chunkBytes: 20_000, delayMs: 250 });

    // Act
    const { ms, result } = await timed(sdkGet);

    // Assess
    expect(result.equals(body)).toBe(true);
    // Five chunks, four pauses between them.
    expect(ms).toBeGreaterThanOrEqual(1000);
    expect(ms).toBeLessThan(30_000);
  });

  it('stall: the body pauses after afterBytes, then completes', async () => {
    // Prepare
    await onGet({ type: 'stall', afterBytes: 1000, ms: 1200 });

    // Act
    const { ms, result } = await timed(sdkGet);

    // Assess
    expect(result.equals(body)).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(1200);
    expect(ms).toBeLessThan(30_000);
  });

  it('two throttled GETs in a row on one keep-alive connection both complete', async () => {
    // Prepare
    await onGet({ type: 'bandwidth', bytesPerSec: 200_000 });

    // Act
    const first = await sdkGet();
    const second = await sdkGet();

    // Assess
    expect(first.equals(body)).toBe(true);
    expect(second.equals(body)).toBe(true);
  });

  it('bandwidth with aws-cli: the download is byte-exact', async () => {
    // Prepare
    await onGet({ type: 'bandwidth', bytesPerSec: 100_000 });
    const dir = await mkdtemp(join(tmpdir(), 'mock-s3-faults-cli-'));

    // Act
    const cli = await awsCli(['s3', 'cp', `s3://${bucket}/blob`, 'out.bin'], {
      endpoint: target.endpoint,
      cwd: dir,
    });
    const downloaded = await readFile(join(dir, 'out.bin')).catch(() => Buffer.alloc(0));
    await rm(dir, { recursive: true, force: true });

    // Assess
    expect(cli).toMatchObject({ code: 0 });
    expect(downloaded.equals(body)).toBe(true);
  });
});

describe('timeout', () => {
  it('holds the socket, then closes it without a response', async () => {
    // Prepare
    await onGet({ type: 'timeout', ms: 700 });

    // Act
    const { ms, result } = await timed(() =>
      failureOf(rawRequest(target.endpoint, { method: 'GET', path: `/${bucket}/blob` })),
    );

    // Assess
    expect(ms).toBeGreaterThanOrEqual(700);
    expect(String(result.code ?? result.message)).toMatch(/ECONNRESET|socket hang up/);
  });
});
