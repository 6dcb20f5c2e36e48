import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { HttpConnectionError, HttpTimeoutError } from './errors.js';

/** One attempt as it goes on the wire. */
export interface OutgoingRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: Buffer;
  /** Limit of the whole attempt: connect, send, and read the full response. */
  timeoutMs: number;
  /** Limit of a silence on the socket (no byte either way) within the attempt. */
  socketTimeoutMs: number;
  /** Ends the attempt early (as a timeout): the caller's own deadline. */
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Sends one attempt; throws HttpTimeoutError or HttpConnectionError, never for a status. */
export type HttpTransport = (request: OutgoingRequest) => Promise<HttpResponse>;

export interface NodeTransport {
  send: HttpTransport;
  /** Closes the idle keep-alive sockets. */
  close(): void;
}

export interface NodeTransportOptions {
  /** Sockets per target host. Default 64. */
  maxSockets?: number;
}

/**
 * The transport over node:http with keep-alive agents. Not fetch: undici's per-request overhead
 * shows on the hot path between services, and node:http gives direct control of socket timeouts.
 */
export function createNodeTransport(options: NodeTransportOptions = {}): NodeTransport {
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 64, scheduling: 'lifo' as const };
  const httpAgent = new http.Agent(agentOptions);
  const httpsAgent = new https.Agent(agentOptions);

  function send(request: OutgoingRequest): Promise<HttpResponse> {
    const target = request.url.host;
    return new Promise<HttpResponse>((resolve, reject) => {
      const secure = request.url.protocol === 'https:';
      const outgoing = (secure ? https : http).request(request.url, {
        method: request.method,
        headers: {
          ...request.headers,
          ...(request.body ? { 'content-length': String(request.body.length) } : {}),
        },
        agent: secure ? httpsAgent : httpAgent,
      });
      let settled = false;
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        outgoing.destroy();
        reject(error);
      };
      const deadline = setTimeout(
        () => fail(new HttpTimeoutError(`no complete response within ${request.timeoutMs} ms`, target)),
        request.timeoutMs,
      );
      const aborted = () => fail(new HttpTimeoutError('aborted by the caller', target));
      if (request.signal?.aborted) aborted();
      request.signal?.addEventListener('abort', aborted, { once: true });
      outgoing.once('close', () => request.signal?.removeEventListener('abort', aborted));
      outgoing.setTimeout(request.socketTimeoutMs, () =>
        fail(new HttpTimeoutError(`socket idle for ${request.socketTimeoutMs} ms`, target)),
      );
      outgoing.on('error', (error) =>
        fail(
          new HttpConnectionError(`${request.method} ${target}: ${error.message}`, target, { cause: error }),
        ),
      );
      outgoing.on('response', (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', (error) =>
          fail(new HttpConnectionError(`reading from ${target}: ${error.message}`, target, { cause: error })),
        );
        response.on('close', () => {
          if (!response.complete) fail(new HttpConnectionError(`response from ${target} cut short`, target));
        });
        response.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(deadline);
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks),
          });
        });
      });
      outgoing.end(request.body);
    });
  }

  return {
    send,
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
