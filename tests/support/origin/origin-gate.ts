import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A pass-through in front of a real origin that a test can hold shut (requests wait until
 * `release()`) or break (`refuse(true)`: connections are dropped, as by an origin that is down).
 * For what must happen in a set order: a client PUT that commits while a fetch is held at the
 * origin, a breaker that opens while the origin is down and closes once it is back.
 */
export interface OriginGate {
  /** The gate's base URL: use it in place of the origin's (`http://127.0.0.1:PORT`, same paths). */
  readonly endpoint: string;
  /** Requests that reached the gate so far (held, refused and passed alike). */
  requests(): number;
  /** From now on, requests wait at the gate until `release()`. */
  hold(): void;
  /** Lets every held request through and stops holding. */
  release(): void;
  /** Resolves once a request is waiting at the gate (at once if one is). */
  arrived(): Promise<void>;
  /** While on, every request's connection is destroyed without an answer. */
  refuse(on: boolean): void;
  stop(): Promise<void>;
}

export async function startOriginGate(target: string): Promise<OriginGate> {
  const origin = new URL(target);
  let holding = false;
  let refusing = false;
  let count = 0;
  const held: (() => void)[] = [];
  const arrivals: (() => void)[] = [];

  const forward = (request: IncomingMessage, response: ServerResponse): void => {
    const upstream = httpRequest(
      {
        host: origin.hostname,
        port: origin.port,
        method: request.method,
        path: request.url,
        headers: { ...request.headers, host: origin.host },
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', () => response.destroy());
    request.pipe(upstream);
  };

  const server = createServer((request, response) => {
    count += 1;
    if (refusing) {
      request.socket.destroy();
      return;
    }
    if (!holding) {
      forward(request, response);
      return;
    }
    held.push(() => forward(request, response));
    for (const arrived of arrivals.splice(0)) arrived();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests: () => count,
    hold() {
      holding = true;
    },
    release() {
      holding = false;
      for (const pass of held.splice(0)) pass();
    },
    arrived: () =>
      held.length > 0 ? Promise.resolve() : new Promise<void>((resolve) => arrivals.push(resolve)),
    refuse(on) {
      refusing = on;
    },
    async stop() {
      holding = false;
      for (const pass of held.splice(0)) pass();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
