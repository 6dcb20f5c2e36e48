import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { context, type Tracer } from '@opentelemetry/api';
import { writeAtEndOfTurn } from '../../shared/http/end-of-turn-writes.js';
import { VIEW_HEADER } from '../../shared/storage/adapters/http-node.js';
import { BLOB_HEADER_SIZE, decodeBlob, encodeBlob } from '../../shared/storage/blob-format.js';
import {
  BLOB_FRAMES_HEADER,
  BLOB_RANGE_HEADER,
  BLOB_SIZE_HEADER,
  endFrame,
  failureFrame,
  frameOf,
  putSource,
} from '../../shared/storage/node-wire.js';
import {
  BlobCorruptError,
  BlobMissingError,
  type BlobRange,
  BlobSourceSizeError,
  InvalidBlobIdError,
  NodeFullError,
  type StorageNode,
} from '../../shared/storage/ports.js';
import { createRequestCounter } from '../../shared/telemetry/count-request.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import type { Metrics } from '../../shared/telemetry/metrics.js';
import { answerMetrics } from '../../shared/telemetry/metrics-endpoint.js';
import { endServerSpanWithResponse, startServerSpan } from '../../shared/telemetry/server-span.js';
import { isRecording } from '../../shared/telemetry/tracing.js';

/** What the worker reports about the requests it serves. */
export interface NodeServerTelemetry {
  /** The `storage-node` tracer: when it records, each request is a SERVER span (the caller's child). */
  tracer?: Tracer;
  /** The worker's registry: served at `GET /metrics`, and its request counter and histogram. */
  metrics?: Metrics;
}

/** The routes of the node API: the span name's template and the `operation` label (OpenAPI ids). */
const ROUTES = [
  { method: 'GET', path: '/health', operation: 'getNodeHealth' },
  { method: 'GET', path: '/blobs', operation: 'listBlobs' },
  { method: 'GET', path: '/metrics', operation: 'getNodeMetrics' },
] as const;
const BLOB_OPERATIONS: Record<string, string> = {
  PUT: 'putBlob',
  GET: 'getBlob',
  HEAD: 'statBlob',
  DELETE: 'deleteBlob',
};

/**
 * The storage-node HTTP API, serving one node:
 *   PUT /blobs/:id (body: header + bytes, verified on arrival)   GET /blobs/:id (same layout back)
 *   the same two streamed (`x-blob-size`, `x-blob-frames`: shared/storage/node-wire.ts)
 *   HEAD /blobs/:id (x-blob-size, x-blob-stored-at)   DELETE /blobs/:id
 *   GET /blobs (NDJSON listing)   GET /health   GET /metrics (Prometheus text, with `metrics`)
 * A PUT the node has no room for answers 507 `NodeFull`. A read marked `VIEW_HEADER` is served by
 * `disk`, the node without its fault decorators (a control-plane view).
 * Bodies carry the 48-byte blob header both ways, so corruption in transit is caught end to end.
 */
export function createStorageNodeServer(
  node: StorageNode,
  logger: Logger,
  disk: StorageNode = node,
  telemetry: NodeServerTelemetry = {},
): Server {
  const { metrics } = telemetry;
  const countRequest = metrics ? createRequestCounter(metrics, 'storage-node') : undefined;
  // Spans nobody exports are not worth a context switch per request.
  const tracer = telemetry.tracer && isRecording(telemetry.tracer) ? telemetry.tracer : undefined;
  const serve = (request: IncomingMessage, response: ServerResponse) =>
    handle(servingNode(request, node, disk), request, response, metrics).catch((error: unknown) => {
      const { status, code } = classify(error);
      if (status >= 500)
        logger.error('storage node request failed', { method: request.method, url: request.url, error });
      if (response.headersSent) {
        response.destroy();
        return;
      }
      sendJson(response, status, { error: code });
    });
  return createServer((request, response) => {
    const method = request.method ?? 'GET';
    const { route, operation } = routeOf(method, (request.url ?? '/').split('?', 1)[0]!);
    // A scrape is not a request of the node's API: neither a span nor a count.
    if (operation === 'getNodeMetrics') return void serve(request, response);
    countRequest?.(response, operation, method);
    if (!tracer) return void serve(request, response);
    const traced = startServerSpan(tracer, request, {
      ...(route === undefined ? {} : { route }),
      attributes: { [NODE_ID_ATTRIBUTE]: node.id },
    });
    endServerSpanWithResponse(traced.span, response);
    // Active while the node works, so a `node.*` fault's firing lands on this span.
    context.with(traced.context, () => void serve(request, response));
  });
}

/** The span attribute naming the node that served a request. */
export const NODE_ID_ATTRIBUTE = 'storage.node.id';

/** The route template and operation of a request (`unknown`, and no route, off the API). */
function routeOf(method: string, path: string): { route?: string; operation: string } {
  const fixed = ROUTES.find((candidate) => candidate.path === path);
  if (fixed) return { route: fixed.path, operation: fixed.method === method ? fixed.operation : 'unknown' };
  if (/^\/blobs\/[^/]+$/.test(path)) {
    return { route: '/blobs/{blobId}', operation: BLOB_OPERATIONS[method] ?? 'unknown' };
  }
  return { operation: 'unknown' };
}

/**
 * The node a request is served by: `disk` (without the fault decorators) for a control-plane
 * view's read (`VIEW_HEADER`), so looking never meets a `node.*` rule; `node` for everything else.
 */
function servingNode(request: IncomingMessage, node: StorageNode, disk: StorageNode): StorageNode {
  const read = request.method === 'GET' || request.method === 'HEAD';
  return read && request.headers[VIEW_HEADER] === '1' ? disk : node;
}

async function handle(
  node: StorageNode,
  request: IncomingMessage,
  response: ServerResponse,
  metrics: Metrics | undefined,
): Promise<void> {
  const path = (request.url ?? '/').split('?')[0]!;
  const method = request.method ?? 'GET';
  if (path === '/metrics' && method === 'GET' && metrics) return answerMetrics(metrics.registry, response);
  if (path === '/health' && method === 'GET') {
    const health = await node.health();
    return sendJson(response, health.healthy ? 200 : 503, health);
  }
  if (path === '/blobs' && method === 'GET') {
    response.writeHead(200, { 'content-type': 'application/x-ndjson' });
    for await (const entry of node.list()) {
      const line = `${JSON.stringify({ blobId: entry.blobId, size: entry.size, storedAt: entry.storedAt.getTime() })}\n`;
      if (!response.write(line)) await new Promise((resolve) => response.once('drain', resolve));
    }
    response.end();
    return;
  }
  const match = /^\/blobs\/([^/]+)$/.exec(path);
  if (!match) return sendJson(response, 404, { error: 'NoSuchRoute' });
  const blobId = decodeURIComponent(match[1]!);
  switch (method) {
    case 'PUT': {
      const size = request.headers[BLOB_SIZE_HEADER];
      if (typeof size === 'string') {
        await node.putStream(blobId, putSource(parseSize(size), request, blobId, node.id));
        answer(response, () => response.writeHead(204).end());
        return;
      }
      const body = await readBody(request);
      await node.put(blobId, decodeBlob(body, blobId, `${node.id} (in transit)`));
      answer(response, () => response.writeHead(204).end());
      return;
    }
    case 'GET': {
      if (request.headers[BLOB_FRAMES_HEADER] === '1') {
        const range = parseRange(request.headers[BLOB_RANGE_HEADER]);
        return sendFrames(response, await node.getStream(blobId, range));
      }
      const bytes = await node.get(blobId);
      const body = encodeBlob(bytes);
      answer(response, () => {
        response.writeHead(200, {
          'content-type': 'application/octet-stream',
          'content-length': body.length,
        });
        response.end(body);
      });
      return;
    }
    case 'HEAD': {
      const stat = await node.stat(blobId);
      // Content-Length as a GET would send it: without one, node's HTTP client cannot tell where a
      // HEAD answer ends and closes the keep-alive connection (a new connection per stat check).
      if (!stat) {
        response.writeHead(404, { 'content-length': 0 }).end();
        return;
      }
      response
        .writeHead(200, {
          'content-length': BLOB_HEADER_SIZE + stat.size,
          'x-blob-size': String(stat.size),
          'x-blob-stored-at': String(stat.storedAt.getTime()),
        })
        .end();
      return;
    }
    case 'DELETE':
      await node.delete(blobId);
      answer(response, () => response.writeHead(204).end());
      return;
    default:
      sendJson(response, 405, { error: 'MethodNotAllowed' });
  }
}

/** Answers with the other answers of this turn (shared/http/end-of-turn-writes.ts explains why). */
function answer(response: ServerResponse, write: () => void): void {
  writeAtEndOfTurn(
    () => {
      if (!response.destroyed) write();
    },
    () => response.destroy(),
  );
}

/**
 * Streams a verified replica in frames (node-wire.ts), one write per chunk, waiting for the socket
 * to drain: memory stays at about one block however large the blob.
 */
async function sendFrames(response: ServerResponse, content: Readable): Promise<void> {
  response.writeHead(200, { 'content-type': 'application/octet-stream' });
  try {
    for await (const chunk of content) {
      const [header, bytes] = frameOf(chunk as Buffer);
      response.write(header);
      if (!response.write(bytes)) await once(response, 'drain');
    }
    response.end(endFrame());
  } catch (error) {
    content.destroy();
    if (!response.destroyed) response.end(failureFrame(error));
  }
}

/** Content size of a streamed PUT (`x-blob-size`). */
function parseSize(value: string): number {
  const size = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(size))
    throw new RangeError(`bad ${BLOB_SIZE_HEADER}: ${value}`);
  return size;
}

/** The inclusive range of a framed GET (`x-blob-range: start-end`), or the whole content. */
function parseRange(value: string | string[] | undefined): BlobRange | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(\d+)-(\d+)$/.exec(value);
  if (!match) throw new RangeError(`bad ${BLOB_RANGE_HEADER}: ${value}`);
  return { start: Number(match[1]), end: Number(match[2]) };
}

function classify(error: unknown): { status: number; code: string } {
  if (error instanceof BlobMissingError) return { status: 404, code: 'BlobMissing' };
  if (error instanceof BlobCorruptError) return { status: 422, code: 'BlobCorrupt' };
  if (error instanceof InvalidBlobIdError) return { status: 400, code: 'InvalidBlobId' };
  if (error instanceof RangeError) return { status: 416, code: 'InvalidRange' };
  if (error instanceof BlobSourceSizeError) return { status: 400, code: 'IncompleteBody' };
  // A full disk (or a `capacity` fault) is not a failure of the node: the storage service writes
  // to another node, and answers 507 StorageFull when none has room.
  if (error instanceof NodeFullError) return { status: 507, code: 'NodeFull' };
  return { status: 500, code: 'InternalError' };
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}
