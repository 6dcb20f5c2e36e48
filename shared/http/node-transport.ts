import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
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

/** One streamed attempt: its body (if any) is read as the socket takes it. */
export interface OutgoingStreamRequest extends Omit<OutgoingRequest, 'body'> {
  body?: { size: number; stream: Readable };
}

/** A response whose body is read by the caller, as it arrives. */
export interface StreamedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Readable;
}

/**
 * Sends one streamed attempt and resolves when the response's headers arrive. The body is not
 * read before the socket is connected, so a refused connection has taken none of it. Throws
 * HttpTimeoutError or HttpConnectionError; after the response is handed out, a failure (an idle
 * socket, a reset) errors its body.
 */
export type HttpStreamTransport = (request: OutgoingStreamRequest) => Promise<StreamedResponse>;

export interface NodeTransport {
  send: HttpTransport;
  stream: HttpStreamTransport;
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

  function stream(request: OutgoingStreamRequest): Promise<StreamedResponse> {
    const target = request.url.host;
    return new Promise<StreamedResponse>((resolve, reject) => {
      const secure = request.url.protocol === 'https:';
      const outgoing = (secure ? https : http).request(request.url, {
        method: request.method,
        headers: {
          ...request.headers,
          'content-length': String(request.body?.size ?? 0),
        },
        agent: secure ? httpsAgent : httpAgent,
      });
      let response: IncomingMessage | undefined;
      let deadline: NodeJS.Timeout | undefined;
      const fail = (error: Error) => {
        clearTimeout(deadline);
        // Handed out: the caller reads the failure from the body.
        if (response) response.destroy(error);
        else reject(error);
        outgoing.destroy();
      };
      // The limit runs from the last byte sent to the response's headers: how long the body takes
      // to send is the sender's pace, watched by the socket's idle limit.
      const startDeadline = () => {
        deadline = setTimeout(
          () => fail(new HttpTimeoutError(`no response within ${request.timeoutMs} ms`, target)),
          request.timeoutMs,
        );
      };
      outgoing.setTimeout(request.socketTimeoutMs, () =>
        fail(new HttpTimeoutError(`socket idle for ${request.socketTimeoutMs} ms`, target)),
      );
      outgoing.on('error', (error) =>
        fail(
          new HttpConnectionError(`${request.method} ${target}: ${error.message}`, target, { cause: error }),
        ),
      );
      outgoing.on('response', (incoming) => {
        clearTimeout(deadline);
        response = incoming;
        incoming.on('aborted', () =>
          incoming.destroy(new HttpConnectionError(`response from ${target} cut short`, target)),
        );
        resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body: incoming });
      });
      const body = request.body?.stream;
      if (!body) {
        outgoing.end();
        startDeadline();
        return;
      }
      body.once('error', (error) => fail(error));
      body.once('end', startDeadline);
      outgoing.once('socket', (socket) => {
        if (socket.connecting) socket.once('connect', () => body.pipe(outgoing));
        else body.pipe(outgoing);
      });
    });
  }

  return {
    send,
    stream,
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
