import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createSocketFaultFront, type SocketFaultFront } from '../../../gateway/front/socket-fault-front.js';
import { createFaultEngine } from '../../../shared/faults/engine.js';
import { createRateLimiter } from '../../../shared/http/rate-limit.js';
import { systemClock } from '../../../shared/runtime/clock.js';
import { silentLogger } from '../../../shared/telemetry/logger.js';

/**
 * The socket-fault front against a real upstream standing in for nginx. nginx closes idle
 * keep-alive connections when it reloads or their keepalive_timeout passes; a request the front
 * sends on such a connection at that moment dies before any answer. Requests without a body are
 * sent again on a new connection; a body already streamed cannot be, so that one is a 503.
 */
let upstream: Server;
let front: SocketFaultFront;
let frontUrl: URL;
/** Upstream sockets that have answered one request; the next request on one is cut, as on a reload. */
const staleAfterOneAnswer = new Set<Socket>();
let closeReusedConnections = false;
const served: string[] = [];
/** `gateway.rateLimit` as the front reads it (0: off). */
let rateLimit = 0;

beforeAll(async () => {
  upstream = createServer({ keepAlive: true }, (request, response) => {
    const socket = request.socket;
    if (closeReusedConnections && staleAfterOneAnswer.has(socket)) {
      socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      served.push(`${request.method} ${request.url} ${Buffer.concat(chunks).length}`);
      staleAfterOneAnswer.add(socket);
      response.writeHead(200, { 'content-type': 'text/plain' }).end(`served ${request.method}`);
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const upstreamPort = (upstream.address() as AddressInfo).port;
  front = createSocketFaultFront({
    upstream: new URL(`http://127.0.0.1:${upstreamPort}/`),
    engine: createFaultEngine({ clock: systemClock, enabled: false, maxTtlMs: 60_000 }),
    logger: silentLogger,
    maxBodyBytes: 1024 * 1024,
    s3Domain: 'localhost',
    rateLimit: createRateLimiter({ limit: () => rateLimit, clock: systemClock }),
  });
  await new Promise<void>((resolve) => front.server.listen(0, '127.0.0.1', resolve));
  frontUrl = new URL(`http://127.0.0.1:${(front.server.address() as AddressInfo).port}/`);
});

afterAll(async () => {
  await front.close();
  upstream.closeAllConnections();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

beforeEach(() => {
  rateLimit = 0;
  closeReusedConnections = false;
  served.length = 0;
});

/** One request to the front on a fresh connection; resolves with status and body. */
function send(method: string, path: string, body?: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(new URL(path, frontUrl), { method, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    request.on('error', reject);
    request.end(body);
  });
}

describe('socket-fault front: an upstream keep-alive connection closed under a request', () => {
  it('sends a GET again on a new connection: the client gets the upstream answer', async () => {
    // Prepare: one answered request leaves a pooled connection that the upstream will cut
    expect((await send('GET', '/bucket/warm')).status).toBe(200);
    closeReusedConnections = true;

    // Act
    const answer = await send('GET', '/bucket/key');

    // Assess
    expect(answer).toEqual({ status: 200, body: 'served GET' });
    expect(served).toEqual(['GET /bucket/warm 0', 'GET /bucket/key 0']);
  });

  it('does not send a PUT body twice: the client gets S3 ServiceUnavailable and may retry', async () => {
    // Prepare
    expect((await send('GET', '/bucket/warm')).status).toBe(200);
    closeReusedConnections = true;

    // Act
    const answer = await send('PUT', '/bucket/key', Buffer.from('payload'));

    // Assess
    expect(answer.status).toBe(503);
    expect(answer.body).toContain('<Code>ServiceUnavailable</Code>');
    expect(served).toEqual(['GET /bucket/warm 0']);
  });
});

describe('socket-fault front: idle upstream connections', () => {
  it('closes a pooled connection after its idle timeout, before the upstream would, never a busy one', async () => {
    // Prepare: an upstream that keeps idle connections 30 s (nginx: 75 s), a front that keeps them 200 ms
    let clientClosed: Promise<number> | undefined;
    const keeper = createServer({ keepAlive: true }, (request, response) => {
      const opened = Date.now();
      clientClosed ??= new Promise((resolve) =>
        request.socket.once('end', () => resolve(Date.now() - opened)),
      );
      request.resume();
      // A slow answer: the connection is busy, not idle, for longer than the idle timeout.
      const delayMs = request.url?.includes('slow') ? 600 : 0;
      request.on('end', () => setTimeout(() => response.writeHead(200).end('ok'), delayMs));
    });
    keeper.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => keeper.listen(0, '127.0.0.1', resolve));
    const idleFront = createSocketFaultFront({
      upstream: new URL(`http://127.0.0.1:${(keeper.address() as AddressInfo).port}/`),
      engine: createFaultEngine({ clock: systemClock, enabled: false, maxTtlMs: 60_000 }),
      logger: silentLogger,
      maxBodyBytes: 1024,
      s3Domain: 'localhost',
      upstreamIdleTimeoutMs: 200,
    });
    await new Promise<void>((resolve) => idleFront.server.listen(0, '127.0.0.1', resolve));
    const idleFrontUrl = `http://127.0.0.1:${(idleFront.server.address() as AddressInfo).port}`;

    try {
      // Act
      const response = await fetch(`${idleFrontUrl}/bucket/slow`, { method: 'PUT', body: 'payload' });
      await response.text();
      const closedAfterMs = await Promise.race([
        clientClosed!,
        new Promise<number>((resolve) => setTimeout(() => resolve(-1), 10_000)),
      ]);

      // Assess: the front ended the connection (its FIN reached the upstream) long before 30 s
      expect(response.status).toBe(200);
      expect(closedAfterMs).toBeGreaterThanOrEqual(600 + 150);
      expect(closedAfterMs).toBeLessThan(10_000);
    } finally {
      await idleFront.close();
      keeper.closeAllConnections();
      await new Promise<void>((resolve) => keeper.close(() => resolve()));
    }
  });
});

describe('socket-fault front: gateway.rateLimit', () => {
  it('answers SlowDown above the limit per client, before anything reaches the upstream', async () => {
    // Prepare
    rateLimit = 2;

    // Act
    const answers = await Promise.all(Array.from({ length: 8 }, () => send('GET', '/bucket/limited')));

    // Assess
    const refused = answers.filter((answer) => answer.status === 503);
    expect(refused.length).toBeGreaterThanOrEqual(5);
    expect(refused[0]!.body).toContain('<Code>SlowDown</Code>');
    expect(served.length).toBe(8 - refused.length);
  });
});
