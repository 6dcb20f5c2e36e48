import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One OTLP/HTTP export as a collector would receive it. */
export interface OtlpRequest {
  path: string;
  headers: IncomingHttpHeaders;
  /** The JSON body (the `-otlp-http` exporters send JSON). */
  body: unknown;
}

export interface OtlpReceiver {
  /** `http://127.0.0.1:<port>`, an OTLP/HTTP base endpoint. */
  endpoint: string;
  requests: OtlpRequest[];
  /** Resolves with the first request to `path` (already received or next), or rejects after `timeoutMs`. */
  next(path: string, timeoutMs?: number): Promise<OtlpRequest>;
  close(): Promise<void>;
}

/** A loopback HTTP server that answers every OTLP export with 200 and keeps what it got. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const requests: OtlpRequest[] = [];
  const waiters: Array<{ path: string; resolve: (request: OtlpRequest) => void }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = {
        path: req.url ?? '',
        headers: req.headers,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') as unknown,
      };
      requests.push(request);
      for (const waiter of waiters.filter((w) => w.path === request.path)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(request);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    next(path, timeoutMs = 5_000) {
      const known = requests.find((request) => request.path === path);
      if (known) return Promise.resolve(known);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no OTLP export to ${path} within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          path,
          resolve: (request) => {
            clearTimeout(timer);
            resolve(request);
          },
        });
      });
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
