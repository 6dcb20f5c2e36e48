import type { FaultService } from '../../faults/rule.js';
import {
  createHttpClient,
  type HttpClient,
  type HttpClientOptions,
  type HttpResponse,
  type StreamedResponse,
} from '../../http/http-client.js';
import { decodeBlob, encodeBlob } from '../blob-format.js';
import { assertBlobId } from '../blob-id.js';
import { readBlobSource } from '../blob-source.js';
import {
  BLOB_FRAMES_HEADER,
  BLOB_RANGE_HEADER,
  BLOB_SIZE_HEADER,
  putBody,
  putBodySize,
  unframe,
} from '../node-wire.js';
import {
  BlobCorruptError,
  type BlobListing,
  BlobMissingError,
  type BlobStat,
  InvalidBlobIdError,
  NodeFullError,
  type NodeHealth,
  type StorageNode,
  StorageNodeUnavailableError,
} from '../ports.js';

/** The service that calls the storage nodes: the `service` of the client's metrics and faults. */
export const STORAGE_NODE_CALLER = 'storage' satisfies FaultService;

/**
 * How the storage service calls its nodes. Every node call is idempotent (a PUT writes the same
 * bytes under the same id; GET, HEAD, DELETE repeat harmlessly), so connection errors, timeouts
 * and 5xx are retried; a 4xx (missing, corrupt, bad id) would fail the same way again and is not.
 * The breaker (per node) stops a dead node from costing every request its full retry budget:
 * refused at once, the write goes to the next ranked node and the read to the next replica.
 */
export const STORAGE_NODE_CALL_POLICY = {
  timeoutMs: 10_000,
  retries: 2,
  backoff: { baseMs: 25, maxMs: 500 },
  breaker: { failureThreshold: 5, resetMs: 5_000 },
} as const;

/**
 * The HTTP client of the storage service: `STORAGE_NODE_CALL_POLICY`, with `overrides` (the live
 * `http.retries`/`http.timeoutMs`, metrics, the `http.client` fault hook, a tracer).
 */
export function createStorageNodeClient(overrides: Partial<HttpClientOptions> = {}): HttpClient {
  return createHttpClient({
    service: STORAGE_NODE_CALLER,
    ...STORAGE_NODE_CALL_POLICY,
    backoff: { ...STORAGE_NODE_CALL_POLICY.backoff },
    breaker: { ...STORAGE_NODE_CALL_POLICY.breaker },
    ...overrides,
  });
}

export interface HttpNodeOptions {
  id: string;
  /** e.g. `http://127.0.0.1:7001` */
  baseUrl: string;
  /**
   * The client the process's nodes share (one breaker per node inside it, one set of metrics,
   * one place for live settings). Default: a client of this node's own.
   */
  client?: HttpClient;
  /** Limit of one attempt of the node's own client (ignored when `client` is given). */
  timeoutMs?: number;
  /**
   * A node for the control plane's views: its reads ask the worker for the disk as it is
   * (`VIEW_HEADER`), past the worker's `node.*` faults.
   */
  view?: boolean;
}

/**
 * Marks a read made for a control-plane view: the worker answers it from its disk without its
 * fault decorators, so looking never spends a rule or logs a hit (it is honoured on reads only).
 */
export const VIEW_HEADER = 'x-mock-s3-view';

/**
 * A storage node reached over the storage-node worker's HTTP API (stack mode), through the
 * service-to-service HTTP client (timeouts, retries, breaker, trace propagation, `http.client`
 * faults). Bodies carry the blob header, so the bytes are verified end to end, whatever happened
 * on the wire.
 */
export function createHttpNode(options: HttpNodeOptions): StorageNode {
  const { id } = options;
  const base = options.baseUrl.replace(/\/+$/, '');
  const client =
    options.client ??
    createStorageNodeClient(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs });

  const viewHeaders = options.view ? { [VIEW_HEADER]: '1' } : undefined;

  async function call(
    method: string,
    path: string,
    extra: { body?: Buffer; idempotent?: boolean } = {},
  ): Promise<HttpResponse> {
    try {
      return await client.request({
        method,
        url: `${base}${path}`,
        peer: id,
        ...(extra.body ? { body: extra.body, headers: { 'content-type': 'application/octet-stream' } } : {}),
        ...(viewHeaders && !extra.body ? { headers: viewHeaders } : {}),
        ...(extra.idempotent === undefined ? {} : { idempotent: extra.idempotent }),
      });
    } catch (error) {
      // Timeouts, refused or reset connections, an open breaker, an injected `http.client` fault.
      throw new StorageNodeUnavailableError(id, { cause: error });
    }
  }

  function failure(response: HttpResponse, blobId: string): Error {
    if (response.status === 404) return new BlobMissingError(blobId, id);
    if (response.status === 422) return new BlobCorruptError(blobId, id);
    if (response.status === 400) return new InvalidBlobIdError(blobId);
    if (response.status === 507) return new NodeFullError(id);
    return new StorageNodeUnavailableError(id, {
      cause: new Error(`HTTP ${response.status}: ${response.body.toString('utf8', 0, 200)}`),
    });
  }

  const blobPath = (blobId: string) => {
    assertBlobId(blobId);
    return `/blobs/${blobId}`;
  };

  return {
    id,
    async put(blobId, bytes) {
      const response = await call('PUT', blobPath(blobId), { body: encodeBlob(bytes) });
      if (response.status !== 204) throw failure(response, blobId);
    },
    async get(blobId) {
      const response = await call('GET', blobPath(blobId));
      if (response.status !== 200) throw failure(response, blobId);
      return decodeBlob(response.body, blobId, id);
    },
    async putStream(blobId, source) {
      const path = blobPath(blobId);
      // Small blobs take the buffered call: one body, retried like any other PUT.
      if (source.size <= STREAM_MIN_BYTES) {
        const response = await call('PUT', path, { body: encodeBlob(await readBlobSource(source)) });
        if (response.status !== 204) throw failure(response, blobId);
        return;
      }
      const body = putBody(source);
      // The source's own failure (a client gone, a body short or long) is the write's failure.
      let sourceFailure: unknown;
      body.once('error', (error) => {
        sourceFailure = error;
      });
      let response: StreamedResponse;
      try {
        response = await client.stream({
          method: 'PUT',
          url: `${base}${path}`,
          peer: id,
          headers: { 'content-type': 'application/octet-stream', [BLOB_SIZE_HEADER]: String(source.size) },
          body: { size: putBodySize(source.size), stream: body },
        });
      } catch (error) {
        if (sourceFailure !== undefined) throw sourceFailure;
        throw new StorageNodeUnavailableError(id, { cause: error });
      }
      const answer = await readAnswer(response);
      if (response.status !== 204) {
        body.destroy();
        throw failure(answer, blobId);
      }
    },
    async getStream(blobId, range) {
      let response: StreamedResponse;
      try {
        response = await client.stream({
          method: 'GET',
          url: `${base}${blobPath(blobId)}`,
          peer: id,
          headers: {
            [BLOB_FRAMES_HEADER]: '1',
            ...(range === undefined ? {} : { [BLOB_RANGE_HEADER]: `${range.start}-${range.end}` }),
            ...viewHeaders,
          },
        });
      } catch (error) {
        throw new StorageNodeUnavailableError(id, { cause: error });
      }
      if (response.status === 416) {
        response.body.resume();
        throw new RangeError(`range ${range?.start}-${range?.end} is outside blob ${blobId}`);
      }
      if (response.status !== 200) throw failure(await readAnswer(response), blobId);
      const content = unframe(blobId, id);
      response.body.once('error', (error) =>
        content.destroy(new StorageNodeUnavailableError(id, { cause: error })),
      );
      // Destroying the content (a client gone) closes the connection, so the worker stops reading.
      content.once('close', () => {
        if (!response.body.readableEnded) response.body.destroy();
      });
      return response.body.pipe(content);
    },
    async delete(blobId) {
      const response = await call('DELETE', blobPath(blobId));
      if (response.status !== 204) throw failure(response, blobId);
    },
    async stat(blobId): Promise<BlobStat | undefined> {
      const response = await call('HEAD', blobPath(blobId));
      if (response.status === 404) return undefined;
      if (response.status !== 200) throw failure(response, blobId);
      return {
        size: Number(response.headers['x-blob-size']),
        storedAt: new Date(Number(response.headers['x-blob-stored-at'])),
      };
    },
    async *list(): AsyncIterable<BlobListing> {
      // The client reads whole bodies: a node's listing is one NDJSON document in memory.
      const response = await call('GET', '/blobs');
      if (response.status !== 200) throw failure(response, '');
      for (const line of response.body.toString('utf8').split('\n')) if (line) yield parseListing(line);
    },
    async health(): Promise<NodeHealth> {
      try {
        // A probe: one attempt, answered now, not after the retry budget.
        const response = await call('GET', '/health', { idempotent: false });
        const health = JSON.parse(response.body.toString('utf8')) as NodeHealth;
        return { ...health, id, healthy: response.status === 200 && health.healthy };
      } catch {
        return { id, healthy: false };
      }
    },
  };
}

/**
 * Blobs up to this size travel in one buffered call (retried like any other): below it streaming
 * costs more than it saves. The same threshold as the fs node's buffered path.
 */
const STREAM_MIN_BYTES = 64 * 1024 - 48;

/** A streamed call's answer read whole: a status and a short body (never a blob's). */
async function readAnswer(response: StreamedResponse): Promise<HttpResponse> {
  const chunks: Buffer[] = [];
  for await (const chunk of response.body) chunks.push(chunk as Buffer);
  return { status: response.status, headers: response.headers, body: Buffer.concat(chunks) };
}

function parseListing(line: string): BlobListing {
  const entry = JSON.parse(line) as { blobId: string; size: number; storedAt: number };
  return { blobId: entry.blobId, size: entry.size, storedAt: new Date(entry.storedAt) };
}
