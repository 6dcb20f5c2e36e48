import { createServer, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

/** Writes `registry` in the Prometheus text format as the answer to a scrape. */
export async function answerMetrics(registry: Registry, response: ServerResponse): Promise<void> {
  const text = await registry.metrics();
  response.writeHead(200, {
    'content-type': registry.contentType,
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

/**
 * A listener of its own serving `GET /metrics` for a process whose main port speaks another
 * protocol (the socket-fault front forwards everything it receives to nginx). Anything else is a
 * 404. Resolves once listening.
 */
export async function serveMetrics(registry: Registry, port: number, host: string): Promise<Server> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?', 1)[0];
    if (request.method === 'GET' && path === '/metrics') {
      answerMetrics(registry, response).catch(() => response.destroy());
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics here\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
