// The raw client's HTTP/1.1 connection pool against local servers: the answer shapes S3 servers
// give (Content-Length, chunked, HEAD, Connection: close), reuse of kept-alive connections, and
// the failures a drill provokes (a reset mid-answer, a server that never answers).
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Http1Pool } from '../../../../../tools/load/clients/http1-pool.js';

const servers: (Server | TcpServer)[] = [];
const pools: Http1Pool[] = [];

afterEach(async () => {
  for (const pool of pools.splice(0)) pool.close();
  for (const server of servers.splice(0)) {
    if ('closeAllConnections' in server) server.closeAllConnections();
    server.close();
    await once(server, 'close');
  }
});

async function listen(server: Server | TcpServer, now?: () => number): Promise<Http1Pool> {
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const pool = new Http1Pool('127.0.0.1', address.port, 1_000, now);
  pools.push(pool);
  return pool;
}

describe('Http1Pool', () => {
  it('reads Content-Length and chunked bodies, HEAD without a body, and reuses one connection', async () => {
    // Prepare
    const sockets = new Set<unknown>();
    const received: string[] = [];
    const pool = await listen(
      createServer((request, response) => {
        sockets.add(request.socket);
        let body = '';
        request.setEncoding('utf8').on('data', (chunk: string) => {
          body += chunk;
        });
        request.on('end', () => {
          received.push(`${request.method} ${request.url} ${request.headers['x-extra'] ?? ''} ${body}`);
          if (request.url === '/chunked') {
            response.writeHead(200, { 'x-amz-request-id': 'R1' });
            response.write('hello ');
            setImmediate(() => response.end('chunked world'));
            return;
          }
          response
            .writeHead(200, { 'content-length': 5, etag: '"e"' })
            .end(request.method === 'HEAD' ? undefined : 'fixed');
        });
      }),
    );

    // Act
    const put = await pool.send('PUT', '/b/k', 'x-extra: yes\r\n', Buffer.from('payload'));
    const chunked = await pool.send('GET', '/chunked', '');
    const head = await pool.send('HEAD', '/b/k', '');
    const get = await pool.send('GET', '/b/k', '');

    // Assess
    expect(received).toEqual(['PUT /b/k yes payload', 'GET /chunked  ', 'HEAD /b/k  ', 'GET /b/k  ']);
    expect(put).toMatchObject({ status: 200, headers: { etag: '"e"' } });
    expect(chunked.body?.toString()).toBe('hello chunked world');
    expect(chunked.headers?.['x-amz-request-id']).toBe('R1');
    expect(head).toMatchObject({ status: 200 });
    expect(head.body).toHaveLength(0);
    expect(get.body?.toString()).toBe('fixed');
    expect(sockets.size).toBe(1);
  });

  it('opens a new connection after a Connection: close answer', async () => {
    // Prepare
    const sockets = new Set<unknown>();
    const pool = await listen(
      createServer((request, response) => {
        sockets.add(request.socket);
        request.resume();
        response.writeHead(200, { connection: 'close', 'content-length': 2 }).end('ok');
      }),
    );

    // Act
    const first = await pool.send('GET', '/a', '');
    const second = await pool.send('GET', '/b', '');

    // Assess
    expect([first.body?.toString(), second.body?.toString()]).toEqual(['ok', 'ok']);
    expect(sockets.size).toBe(2);
  });

  it('answers ECONNRESET when the server drops the connection mid-answer, Timeout when it never answers', async () => {
    // Prepare: a TCP server that sends half a response and resets, or says nothing at all.
    const pool = await listen(
      createTcpServer((socket) => {
        socket.once('data', (data) => {
          if (data.toString('latin1').startsWith('GET /reset ')) {
            socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npartial');
            setImmediate(() => socket.resetAndDestroy());
          }
        });
      }),
    );
    const started = performance.now();

    // Act
    const reset = await pool.send('GET', '/reset', '');
    const silent = await pool.send('GET', '/silent', '');

    // Assess
    expect(reset).toEqual({ transportError: 'ECONNRESET' });
    expect(silent).toEqual({ transportError: 'Timeout' });
    expect(performance.now() - started).toBeLessThan(2_500);
  });

  it('does not reuse a connection idle for seconds: the server may be closing it as the request leaves', async () => {
    // Prepare: a clock the test moves.
    let clock = 0;
    const sockets = new Set<unknown>();
    const pool = await listen(
      createServer((request, response) => {
        sockets.add(request.socket);
        request.resume();
        response.writeHead(200, { 'content-length': 2 }).end('ok');
      }),
      () => clock,
    );

    // Act
    await pool.send('GET', '/1', '');
    clock += 500;
    await pool.send('GET', '/2', '');
    clock += 10_000;
    await pool.send('GET', '/3', '');

    // Assess: the quick second request reused the connection, the one after a long idle did not.
    expect(sockets.size).toBe(2);
  });
});
