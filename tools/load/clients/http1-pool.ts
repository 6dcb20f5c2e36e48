/**
 * A minimal HTTP/1.1 keep-alive client over `node:net`, for the raw load client. One request per
 * connection at a time (no pipelining: a real client waits for each answer); connections are kept
 * and reused. Measured against node:http's ClientRequest and Agent on 1 KiB GETs, it costs about a
 * fifth of the CPU per request (bench --suite load; docs/performance.md), which is what lets one
 * core of the generator outrun the server it drives. It speaks just what S3 answers need:
 * Content-Length and chunked bodies, HEAD/204/304 without one, `Connection: close`.
 */
import { connect, type Socket } from 'node:net';

/** One answer: status, lower-cased headers, body; or the transport failure that ended it. */
export interface HttpExchange {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer;
  readonly transportError?: string;
}

const EMPTY = Buffer.alloc(0);
const HEADER_END = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');
/** A connection idle this long is closed rather than reused: the server may be closing it (node: 5 s). */
const IDLE_REUSE_MS = 3_000;
/** Bodies up to this size go out in the same write as the header. */
const INLINE_BODY_BYTES = 16 * 1024;

const SIZE_LINE = -1;
const TRAILERS = -2;

type BodyMode =
  | { kind: 'none' }
  | { kind: 'length'; remaining: number }
  | { kind: 'chunked' }
  | { kind: 'close' };

/** Parses one response at a time from the bytes of a connection. */
class ResponseParser {
  private buffered: Buffer = EMPTY;
  private status = 0;
  private headers: Record<string, string> = {};
  private body: BodyMode | undefined;
  private chunks: Buffer[] = [];
  /** Bytes of the current chunk of a chunked body, or where the parser is between chunks. */
  private chunkLeft: number = SIZE_LINE;

  constructor(private readonly headRequest: boolean) {}

  /** Feeds bytes; returns the exchange once the whole response is in, else undefined. */
  push(data: Buffer): HttpExchange | undefined {
    this.buffered = this.buffered.length === 0 ? data : Buffer.concat([this.buffered, data]);
    if (this.body === undefined && !this.parseHead()) return undefined;
    return this.parseBody();
  }

  /** The connection closed: a body read to the close is complete; anything else is a reset. */
  closed(): HttpExchange | undefined {
    if (this.body?.kind === 'close') {
      this.chunks.push(this.buffered);
      return this.done();
    }
    return undefined;
  }

  private parseHead(): boolean {
    const end = this.buffered.indexOf(HEADER_END);
    if (end < 0) return false;
    const lines = this.buffered.toString('latin1', 0, end).split('\r\n');
    this.buffered = this.buffered.subarray(end + 4);
    this.status = Number(lines[0]!.slice(9, 12));
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(':');
      if (colon > 0) this.headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    if (this.status === 100) {
      this.headers = {};
      return this.parseHead();
    }
    const length = this.headers['content-length'];
    if (this.headRequest || this.status === 204 || this.status === 304) this.body = { kind: 'none' };
    else if (/chunked/i.test(this.headers['transfer-encoding'] ?? '')) this.body = { kind: 'chunked' };
    else if (length !== undefined) this.body = { kind: 'length', remaining: Number(length) };
    else this.body = { kind: 'close' };
    return true;
  }

  private parseBody(): HttpExchange | undefined {
    const body = this.body!;
    switch (body.kind) {
      case 'none':
        return this.done();
      case 'close':
        return undefined;
      case 'length': {
        const taken = this.buffered.subarray(0, body.remaining);
        if (taken.length > 0) this.chunks.push(taken);
        body.remaining -= taken.length;
        this.buffered = this.buffered.subarray(taken.length);
        return body.remaining === 0 ? this.done() : undefined;
      }
      case 'chunked':
        return this.parseChunks();
    }
  }

  private parseChunks(): HttpExchange | undefined {
    for (;;) {
      if (this.chunkLeft === TRAILERS) {
        // The last chunk is followed by trailers (none expected) and an empty line.
        if (this.buffered.length < 2) return undefined;
        if (this.buffered.indexOf(CRLF) === 0 || this.buffered.indexOf(HEADER_END) >= 0) return this.done();
        return undefined;
      }
      if (this.chunkLeft === SIZE_LINE) {
        const lineEnd = this.buffered.indexOf(CRLF);
        if (lineEnd < 0) return undefined;
        const size = Number.parseInt(this.buffered.toString('latin1', 0, lineEnd), 16);
        this.buffered = this.buffered.subarray(lineEnd + 2);
        this.chunkLeft = size === 0 ? TRAILERS : size;
        continue;
      }
      if (this.buffered.length < this.chunkLeft + 2) return undefined;
      this.chunks.push(this.buffered.subarray(0, this.chunkLeft));
      this.buffered = this.buffered.subarray(this.chunkLeft + 2);
      this.chunkLeft = SIZE_LINE;
    }
  }

  private done(): HttpExchange {
    const { chunks } = this;
    const body = chunks.length === 1 ? chunks[0]! : chunks.length === 0 ? EMPTY : Buffer.concat(chunks);
    return { status: this.status, headers: this.headers, body };
  }
}

/** One kept-alive connection and the request on it, if any. */
interface Connection {
  readonly socket: Socket;
  idleSince: number;
  current: InFlight | undefined;
  alive: boolean;
}

interface InFlight {
  readonly connection: Connection;
  readonly parser: ResponseParser;
  readonly deadline: number;
  readonly resolve: (exchange: HttpExchange) => void;
  settled: boolean;
}

function transportCode(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code !== '' ? code : 'ECONNRESET';
}

/** The listeners are shared functions: a connection finds its state through the socket. */
const STATE = Symbol('mock-s3-load.connection');
type WithState = Socket & { [STATE]?: Connection; pool?: Http1Pool };

export class Http1Pool {
  private readonly idle: Connection[] = [];
  private readonly inFlight = new Set<InFlight>();
  private sweeper: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly hostname: string,
    private readonly port: number,
    private readonly timeoutMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * Sends one request and resolves with its answer, or with a transport error (reset, refused,
   * `Timeout` once `timeoutMs` passed); it never rejects. `headerLines` are complete
   * `name: value\r\n` lines (Host and Content-Length are added).
   */
  send(method: string, path: string, headerLines: string, body?: Buffer): Promise<HttpExchange> {
    if (this.closed) return Promise.resolve({ transportError: 'ClientClosed' });
    const connection = this.take();
    let resolve!: (exchange: HttpExchange) => void;
    const promise = new Promise<HttpExchange>((settle) => {
      resolve = settle;
    });
    const request: InFlight = {
      connection,
      parser: new ResponseParser(method === 'HEAD'),
      deadline: this.now() + this.timeoutMs,
      resolve,
      settled: false,
    };
    connection.current = request;
    this.inFlight.add(request);
    this.sweeper ??= setInterval(() => this.sweep(), Math.min(50, this.timeoutMs));
    const length = body?.length ?? 0;
    const head = `${method} ${path} HTTP/1.1\r\nhost: ${this.hostname}:${this.port}\r\n${headerLines}content-length: ${length}\r\n\r\n`;
    const { socket } = connection;
    if (body === undefined || length === 0) {
      socket.write(head, 'latin1');
    } else if (length <= INLINE_BODY_BYTES) {
      socket.write(Buffer.concat([Buffer.from(head, 'latin1'), body]));
    } else {
      socket.cork();
      socket.write(head, 'latin1');
      socket.write(body);
      socket.uncork();
    }
    return promise;
  }

  /** Destroys every connection; requests in flight answer `ClientClosed`. */
  close(): void {
    this.closed = true;
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    for (const request of this.inFlight) this.finish(request, { transportError: 'ClientClosed' }, false);
    for (const connection of this.idle.splice(0)) connection.socket.destroy();
  }

  private take(): Connection {
    const now = this.now();
    for (let connection = this.idle.pop(); connection !== undefined; connection = this.idle.pop()) {
      if (connection.alive && now - connection.idleSince < IDLE_REUSE_MS) return connection;
      connection.socket.destroy();
    }
    // `[::1]` is how a URL writes an IPv6 host; connect() wants it bare.
    const host = this.hostname.replace(/^\[(.*)\]$/, '$1');
    const socket = connect({ host, port: this.port, noDelay: true }) as WithState;
    const connection: Connection = { socket, idleSince: now, current: undefined, alive: true };
    socket[STATE] = connection;
    socket.pool = this;
    socket.on('data', onSocketData);
    socket.on('error', onSocketError);
    socket.on('close', onSocketClose);
    return connection;
  }

  /** @internal the socket's listeners report here. */
  received(connection: Connection, data: Buffer): void {
    const request = connection.current;
    if (request === undefined) return;
    const exchange = request.parser.push(data);
    if (exchange === undefined) return;
    const reusable = !/close/i.test(exchange.headers?.connection ?? '');
    this.finish(request, exchange, reusable);
  }

  /** @internal */
  failed(connection: Connection, error: unknown): void {
    connection.alive = false;
    const request = connection.current;
    if (request === undefined) return;
    this.finish(request, request.parser.closed() ?? { transportError: transportCode(error) }, false);
  }

  private finish(request: InFlight, exchange: HttpExchange, reusable: boolean): void {
    if (request.settled) return;
    request.settled = true;
    this.inFlight.delete(request);
    const { connection } = request;
    connection.current = undefined;
    if (reusable && connection.alive && !this.closed) {
      connection.idleSince = this.now();
      this.idle.push(connection);
    } else {
      connection.alive = false;
      connection.socket.destroy();
    }
    if (this.inFlight.size === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
    request.resolve(exchange);
  }

  /** A total bound (not an idle one): a server trickling bytes cannot hold a drill either. */
  private sweep(): void {
    const now = this.now();
    for (const request of this.inFlight) {
      if (now >= request.deadline) this.finish(request, { transportError: 'Timeout' }, false);
    }
  }
}

function onSocketData(this: WithState, data: Buffer): void {
  this.pool!.received(this[STATE]!, data);
}

function onSocketError(this: WithState, error: Error): void {
  this.pool!.failed(this[STATE]!, error);
}

function onSocketClose(this: WithState): void {
  this.pool!.failed(this[STATE]!, { code: 'ECONNRESET' });
}
