import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { createOriginClient } from '../../../shared/origin/create-origin-client.js';
import { parseOriginConfig } from '../../../shared/origin/origin-config.js';
import { OriginIntegrityError } from '../../../shared/origin/origin-integrity.js';
import { type OriginClient, type OriginConfig, OriginError } from '../../../shared/origin/ports.js';
import { checksumBase64 } from '../../../shared/s3/checksums.js';
import { freePort } from '../../support/e2e/server.js';
import { SMALL_HEADERS, SMALL_METADATA, startOrigin, type TestOrigin } from '../../support/origin/index.js';

jest.setTimeout(120_000);

const FAKE_CREDENTIALS = { accessKeyId: 'fake', secretAccessKey: 'fake' };

function configFor(body: Record<string, unknown>): OriginConfig {
  const parsed = parseOriginConfig('local', {
    ...(body.kind === 'http' ? {} : { credentials: FAKE_CREDENTIALS }),
    ...body,
  });
  if (!parsed.ok) throw new Error(`${parsed.field}: ${parsed.error}`);
  return parsed.config;
}

function fetchOnce(client: OriginClient, key: string, timeoutMs = 10_000) {
  return client.get(key, { signal: AbortSignal.timeout(timeoutMs) });
}

async function failureOf(work: Promise<unknown>): Promise<OriginError> {
  const error = await work.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof OriginError)) throw new Error(`expected an OriginError, got ${String(error)}`);
  return error;
}

/** A local origin that answers every request with `answer` (or never, when it returns undefined). */
async function fakeOrigin(
  answer: (
    url: string,
  ) => { status: number; headers?: Record<string, string>; body?: Buffer | string } | undefined,
): Promise<{ endpoint: string; server: Server }> {
  const server = createServer((request, response) => {
    const planned = answer(request.url ?? '');
    if (planned === undefined) return; // hold: the client's deadline must end the fetch
    response.writeHead(planned.status, planned.headers ?? {});
    response.end(planned.body ?? '');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const SLOW_DOWN = '<?xml version="1.0"?><Error><Code>SlowDown</Code><Message>slow down</Message></Error>';
const INTERNAL = '<?xml version="1.0"?><Error><Code>InternalError</Code><Message>boom</Message></Error>';

describe.each(['s3rver', 'moto', 'instance', 'http'] as const)('origin client against %s', (kind) => {
  let origin: TestOrigin;
  let client: OriginClient;

  beforeAll(async () => {
    origin = await startOrigin(kind);
    client = createOriginClient(configFor(origin.config()));
  });

  afterAll(async () => {
    client?.close();
    await origin?.stop();
  });

  test('every seeded object arrives with its exact bytes and ETag', async () => {
    for (const object of origin.objects) {
      const answer = await fetchOnce(client, object.key);
      if (!answer.found) throw new Error(`${object.key} not found`);
      expect(answer.object.body.equals(object.body)).toBe(true);
      expect(answer.object.etag).toBe(object.etag);
      expect(answer.object.lastModified).toBeInstanceOf(Date);
    }
  });

  test('headers and user metadata arrive as stored', async () => {
    const answer = await fetchOnce(client, 'dir/small.txt');
    if (!answer.found) throw new Error('not found');
    expect(answer.object.headers).toEqual({
      contentType: SMALL_HEADERS.contentType,
      cacheControl: SMALL_HEADERS.cacheControl,
      contentDisposition: SMALL_HEADERS.contentDisposition,
      contentEncoding: SMALL_HEADERS.contentEncoding,
      contentLanguage: SMALL_HEADERS.contentLanguage,
      expires: SMALL_HEADERS.expires?.toUTCString(),
    });
    expect(answer.object.userMetadata).toEqual(SMALL_METADATA);
  });

  test("a full-object checksum, when the origin gives one, is the body's", async () => {
    const answer = await fetchOnce(client, 'large.bin');
    if (!answer.found) throw new Error('not found');
    const checksum = answer.object.checksum;
    if (checksum?.type === 'FULL_OBJECT') {
      expect(checksum.value).toBe(checksumBase64(checksum.algorithm, answer.object.body));
    }
  });

  test('a key the origin lacks is { found: false }', async () => {
    await expect(fetchOnce(client, 'no/such/key')).resolves.toEqual({ found: false });
  });
});

describe('origin client failures', () => {
  const servers: Server[] = [];
  afterAll(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
  });

  async function fake(...args: Parameters<typeof fakeOrigin>): Promise<string> {
    const { endpoint, server } = await fakeOrigin(...args);
    servers.push(server);
    return endpoint;
  }

  test.each(['s3', 'http'] as const)('%s: a refused connection is unreachable', async (kind) => {
    const port = await freePort();
    const client = createOriginClient(configFor({ endpoint: `http://127.0.0.1:${port}`, kind, bucket: 'b' }));
    const error = await failureOf(fetchOnce(client, 'k'));
    client.close();
    expect(error.kind).toBe('unreachable');
  });

  test.each(['s3', 'http'] as const)('%s: no answer within the signal is a timeout', async (kind) => {
    const endpoint = await fake(() => undefined);
    const client = createOriginClient(configFor({ endpoint, kind, bucket: 'b', timeoutMs: 60_000 }));
    const started = Date.now();
    const error = await failureOf(fetchOnce(client, 'k', 300));
    client.close();
    expect(error.kind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test.each(['s3', 'http'] as const)(
    '%s: 503 SlowDown is throttled, 500 is a status naming the code',
    async (kind) => {
      const endpoint = await fake((url) =>
        url.includes('slow')
          ? { status: 503, headers: { 'content-type': 'application/xml' }, body: SLOW_DOWN }
          : { status: 500, headers: { 'content-type': 'application/xml' }, body: INTERNAL },
      );
      const client = createOriginClient(configFor({ endpoint, kind, bucket: 'b' }));
      const throttled = await failureOf(fetchOnce(client, 'slow'));
      const failed = await failureOf(fetchOnce(client, 'broken'));
      client.close();
      expect(throttled.kind).toBe('throttled');
      expect(failed.kind).toBe('status');
      expect(failed.details).toEqual({ status: 500, code: 'InternalError' });
    },
  );

  test('http: a body shorter than its Content-Length is refused as an integrity failure', async () => {
    const endpoint = await fake(() => undefined);
    const { server } = { server: servers.at(-1)! };
    server.removeAllListeners('request');
    server.on('request', (_request, response) => {
      response.writeHead(200, { 'content-length': '10' });
      response.write('12345');
      response.socket?.destroy();
    });
    const client = createOriginClient(configFor({ endpoint, kind: 'http' }));
    const error = await fetchOnce(client, 'k').catch((caught: unknown) => caught);
    client.close();
    // A cut connection is seen by node:http before any length check: the origin dropped us.
    expect(error instanceof OriginError || error instanceof OriginIntegrityError).toBe(true);
  });
});
