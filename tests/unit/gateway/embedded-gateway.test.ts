import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ListeningGateway, listenGateway } from '../../support/listening-gateway.js';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function send(
  port: number,
  method: string,
  path: string,
  body?: Buffer | string,
  headers: Record<string, string> = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Sends raw bytes on a socket and resolves with everything the server wrote before closing. */
function sendRaw(port: number, text: string, closeAfterWrite: boolean): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(text);
      if (closeAfterWrite) socket.end();
    });
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString();
    });
    socket.on('close', () => resolve(received));
    socket.on('error', () => resolve(received));
  });
}

describe('embedded gateway', () => {
  let gateway: ListeningGateway;
  let s3Port: number;
  let controlPort: number;

  beforeAll(async () => {
    gateway = await listenGateway({ maxBodyBytes: 1024 * 1024, bodyIdleTimeoutMs: 300 });
    ({ s3Port, controlPort } = gateway);
    await send(s3Port, 'PUT', '/gateway-bucket');
  });

  afterAll(() => gateway.close());

  it('serves the control plane only on its own port, so a bucket may be called "health"', async () => {
    const health = await send(controlPort, 'GET', '/health');
    const bucket = await send(s3Port, 'PUT', '/health');
    const listed = await send(s3Port, 'GET', '/health?list-type=2');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ status: 'ok' });
    expect(bucket.status).toBe(200);
    expect(listed.body).toContain('<Name>health</Name>');
    expect((await send(controlPort, 'GET', '/gateway-bucket')).status).toBe(404);
  });

  it('keeps binary bodies byte-exact whatever the Content-Type', async () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await send(s3Port, 'PUT', '/gateway-bucket/all-bytes', bytes, {
      'content-type': 'text/plain; charset=utf-8',
    });
    const got = await new Promise<Buffer>((resolve) => {
      httpRequest({ host: '127.0.0.1', port: s3Port, path: '/gateway-bucket/all-bytes' }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks)));
      }).end();
    });
    expect(got.equals(bytes)).toBe(true);
  });

  it('answers HEAD with the object length and no body', async () => {
    await send(s3Port, 'PUT', '/gateway-bucket/sized', 'twelve bytes');
    const head = await send(s3Port, 'HEAD', '/gateway-bucket/sized');
    expect(head.headers['content-length']).toBe('12');
    expect(head.body).toBe('');
  });

  it('refuses a body over the maximum with EntityTooLarge before reading it', async () => {
    const reply = await sendRaw(
      s3Port,
      'PUT /gateway-bucket/huge HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2097152\r\n\r\n',
      false,
    );
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    expect(reply).toContain('<Code>EntityTooLarge</Code>');
  });

  it('never hands a half-sent upload to a handler when the client disconnects', async () => {
    await sendRaw(
      s3Port,
      'PUT /gateway-bucket/half HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\nonly-part',
      true,
    );
    const head = await send(s3Port, 'HEAD', '/gateway-bucket/half');
    expect(head.status).toBe(404);
  });

  it('answers RequestTimeout when an upload body stops arriving', async () => {
    const reply = await sendRaw(
      s3Port,
      'PUT /gateway-bucket/stalled HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\nabc',
      false,
    );
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    expect(reply).toContain('<Code>RequestTimeout</Code>');
    expect((await send(s3Port, 'HEAD', '/gateway-bucket/stalled')).status).toBe(404);
  });

  it('answers pipelined requests on one connection in the order they were sent', async () => {
    await send(s3Port, 'PUT', '/gateway-bucket/pipelined-1', 'first body');
    await send(s3Port, 'PUT', '/gateway-bucket/pipelined-2', 'second body');
    const reply = await sendRaw(
      s3Port,
      'GET /gateway-bucket/pipelined-1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' +
        'GET /gateway-bucket/missing HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' +
        'GET /gateway-bucket/pipelined-2 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
      false,
    );
    const statuses = [...reply.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((match) => match[1]);
    expect(statuses).toEqual(['200', '404', '200']);
    const order = ['first body', '<Code>NoSuchKey</Code>', 'second body'].map((text) => reply.indexOf(text));
    expect(order.every((at) => at >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('resolves virtual-host-style addressing from the Host header', async () => {
    await send(s3Port, 'PUT', '/gateway-bucket/vhost', 'by host');
    const reply = await send(s3Port, 'GET', '/vhost', undefined, {
      host: `gateway-bucket.localhost:${s3Port}`,
    });
    expect(reply.body).toBe('by host');
  });
});
