// The load suite's server: a bare node:http server answering every GET with the same 1 KiB and
// every PUT with 200, whatever the path or query (the SDK adds `?x-id=...`). As little work as a
// server can do, so what is measured is the client. Prints `{"port":N}` once listening.
import { createServer } from 'node:http';
import { serveChild } from './serve-child.js';

const BODY = Buffer.alloc(1024, 'k');
const GET_HEADERS = {
  etag: '"00000000000000000000000000000000"',
  'content-type': 'application/octet-stream',
  'content-length': BODY.length,
  'x-amz-request-id': '0000000000000000',
};

const server = createServer((request, response) => {
  if (request.method === 'GET') {
    response.writeHead(200, GET_HEADERS).end(BODY);
    return;
  }
  request.resume();
  request.on('end', () => response.writeHead(200, { etag: GET_HEADERS.etag, 'content-length': 0 }).end());
});
server.keepAliveTimeout = 60_000;

serveChild(server);
