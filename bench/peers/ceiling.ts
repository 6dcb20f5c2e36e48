// The ceiling: a bare node:http server doing the least an object store can do (PUT reads the body
// and forgets it, GET answers bytes already in memory), so the best any Node HTTP server can reach
// on this machine. Prints `{"port":N}` once listening; SIGTERM closes it.
import { createServer } from 'node:http';
import { serveChild } from './serve-child.js';

const ETAG = '"00000000000000000000000000000000"';
/** Last body size written per path, and one body buffer per size, so memory stays bounded. */
const sizeByPath = new Map<string, number>();
const bodyBySize = new Map<number, Buffer>();

const server = createServer((request, response) => {
  const path = request.url ?? '/';
  if (request.method === 'PUT') {
    const chunks: Buffer[] = [];
    let length = 0;
    request.on('data', (chunk: Buffer) => {
      length += chunk.length;
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (!bodyBySize.has(length) && length > 0) bodyBySize.set(length, Buffer.concat(chunks));
      sizeByPath.set(path, length);
      response.writeHead(200, { etag: ETAG, 'content-length': 0 }).end();
    });
    return;
  }
  if (request.method === 'GET') {
    const size = sizeByPath.get(path);
    const body = size === undefined ? undefined : (bodyBySize.get(size) ?? Buffer.alloc(0));
    if (!body) {
      response.writeHead(404, { 'content-length': 0 }).end();
      return;
    }
    response
      .writeHead(200, {
        etag: ETAG,
        'content-type': 'application/octet-stream',
        'content-length': body.length,
      })
      .end(body);
    return;
  }
  response.writeHead(405, { 'content-length': 0 }).end();
});

serveChild(server);
