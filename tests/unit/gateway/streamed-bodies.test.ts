import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createEmbeddedGateway } from '../../../gateway/embedded/embedded-gateway.js';
import { loadHandlers } from '../../../gateway/embedded/load-handlers.js';
import { loadRouteTable } from '../../../gateway/embedded/route-table.js';
import { STREAMED_BODY_MIN_BYTES } from '../../../shared/http/streamed-body.js';
import { silentLogger } from '../../../shared/telemetry/logger.js';
import { createUnitRuntime, type UnitRuntime } from '../../support/unit-runtime.js';

const CAP = 64 * 1024;

/** Opens a connection and writes `text`; the socket stays open for more. */
function openWith(port: number, text: string | Buffer): Promise<Socket> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(text);
      resolve(socket);
    });
  });
}

/** Everything the server writes on `socket` until it closes it (or until the first response ends). */
function replyOn(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
    });
    socket.on('close', () => resolve(received));
    socket.on('error', () => resolve(received));
  });
}

function putHead(path: string, length: number, extra = ''): string {
  return `PUT ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${length}\r\nConnection: close\r\n${extra}\r\n`;
}

async function put(port: number, path: string, body: Buffer): Promise<string> {
  const socket = await openWith(port, Buffer.concat([Buffer.from(putHead(path, body.length)), body]));
  return replyOn(socket);
}

describe('embedded gateway: streamed request bodies and the buffered-bytes cap', () => {
  let unit: UnitRuntime;
  let servers: { s3: Server; control: Server };
  let port: number;

  beforeAll(async () => {
    unit = await createUnitRuntime();
    const routes = await loadRouteTable(new URL('../../../serverless.yml', import.meta.url).pathname);
    const handlers = await loadHandlers(routes, unit.runtime);
    servers = createEmbeddedGateway({
      routes,
      handlers,
      logger: silentLogger,
      maxBodyBytes: 64 * 1024 * 1024,
      bodyIdleTimeoutMs: 300,
      maxBufferedBytes: CAP,
    });
    await Promise.all(
      [servers.s3, servers.control].map(
        (server) => new Promise<void>((done) => server.listen(0, '127.0.0.1', done)),
      ),
    );
    port = (servers.s3.address() as AddressInfo).port;
    await put(port, '/stream-bucket', Buffer.alloc(0));
    // Loading every handler takes long on a loaded 2-core machine.
  }, 90_000);

  afterAll(async () => {
    for (const server of [servers.s3, servers.control]) {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    }
    await unit.runtime.close();
  });

  async function statusOf(method: string, path: string): Promise<number> {
    const socket = await openWith(
      port,
      `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
    );
    return Number((await replyOn(socket)).slice(9, 12));
  }

  async function blobCount(): Promise<number> {
    let count = 0;
    for await (const _ of unit.runtime.services.blobs.listAll()) count++;
    return count;
  }

  it('stores a streamed body whole', async () => {
    const body = Buffer.alloc(STREAMED_BODY_MIN_BYTES * 2, 7);
    expect(await put(port, '/stream-bucket/whole', body)).toMatch(/^HTTP\/1\.1 200/);
  });

  it('answers RequestTimeout when a streamed body stops arriving, and stores nothing', async () => {
    const blobsBefore = await blobCount();
    const socket = await openWith(port, putHead('/stream-bucket/stalled', STREAMED_BODY_MIN_BYTES * 2));
    socket.write(Buffer.alloc(100_000));
    const reply = await replyOn(socket);
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    expect(reply).toContain('<Code>RequestTimeout</Code>');
    expect(reply.toLowerCase()).toContain('connection: close');
    expect(await statusOf('HEAD', '/stream-bucket/stalled')).toBe(404);
    expect(await blobCount()).toBe(blobsBefore);
  });

  it('stores nothing of a streamed body whose client disconnects', async () => {
    const blobsBefore = await blobCount();
    const socket = await openWith(port, putHead('/stream-bucket/gone', STREAMED_BODY_MIN_BYTES * 2));
    await new Promise<void>((resolve) => socket.write(Buffer.alloc(200_000), () => resolve()));
    socket.destroy();
    expect(await statusOf('HEAD', '/stream-bucket/gone')).toBe(404);
    expect(await blobCount()).toBe(blobsBefore);
  });

  it('answers SlowDown to a buffered request while the bytes held in flight are at the cap', async () => {
    // Held from its headers on: a buffered upload that has sent 10 bytes of 60 KiB.
    const held = await openWith(port, `${putHead('/stream-bucket/held', 60 * 1024)}0123456789`);
    const heldReply = replyOn(held);
    const refused = await put(port, '/stream-bucket/refused', Buffer.alloc(10 * 1024));
    expect(refused).toMatch(/^HTTP\/1\.1 503/);
    expect(refused).toContain('<Code>SlowDown</Code>');
    expect(refused).toContain('<Message>Please reduce your request rate.</Message>');
    // A streamed body is not counted: it still goes through.
    expect(await put(port, '/stream-bucket/streamed', Buffer.alloc(STREAMED_BODY_MIN_BYTES))).toMatch(
      /^HTTP\/1\.1 200/,
    );
    held.write(Buffer.alloc(60 * 1024 - 10));
    expect(await heldReply).toMatch(/^HTTP\/1\.1 200/);
    // Released with its response: the next one is admitted.
    expect(await put(port, '/stream-bucket/after', Buffer.alloc(10 * 1024))).toMatch(/^HTTP\/1\.1 200/);
  });

  it('counts a large POST (PostObject, CompleteMultipartUpload: read whole) in the cap', async () => {
    const held = await openWith(port, `${putHead('/stream-bucket/held-again', 60 * 1024)}0123456789`);
    const heldReply = replyOn(held);
    const form = Buffer.alloc(STREAMED_BODY_MIN_BYTES * 2, 'a');
    const refused = await openWith(
      port,
      Buffer.concat([
        Buffer.from(
          `POST /stream-bucket HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: ${form.length}\r\nConnection: close\r\n\r\n`,
        ),
        form,
      ]),
    );
    const reply = await replyOn(refused);
    expect(reply).toMatch(/^HTTP\/1\.1 503/);
    expect(reply).toContain('<Code>SlowDown</Code>');
    held.write(Buffer.alloc(60 * 1024 - 10));
    expect(await heldReply).toMatch(/^HTTP\/1\.1 200/);
  });
});
