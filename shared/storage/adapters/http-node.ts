import { decodeBlob, encodeBlob } from '../blob-format.js';
import { assertBlobId } from '../blob-id.js';
import {
  BlobCorruptError,
  type BlobListing,
  BlobMissingError,
  type BlobStat,
  InvalidBlobIdError,
  type NodeHealth,
  type StorageNode,
  StorageNodeUnavailableError,
} from '../ports.js';

export interface HttpNodeOptions {
  id: string;
  /** e.g. `http://127.0.0.1:7001` */
  baseUrl: string;
  /** Per-request limit; a node slower than this counts as unavailable. */
  timeoutMs?: number;
}

/**
 * A storage node reached over the storage-node worker's HTTP API (stack mode). Bodies carry the
 * blob header, so the bytes are verified end to end, whatever happened on the wire.
 */
export function createHttpNode(options: HttpNodeOptions): StorageNode {
  const { id } = options;
  const base = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 10_000;

  async function call(method: string, path: string, body?: Buffer): Promise<Response> {
    try {
      return await fetch(`${base}${path}`, {
        method,
        body,
        headers: body ? { 'content-type': 'application/octet-stream' } : undefined,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new StorageNodeUnavailableError(id, { cause: error });
    }
  }

  async function failure(response: Response, blobId: string): Promise<Error> {
    const text = await response.text().catch(() => '');
    if (response.status === 404) return new BlobMissingError(blobId, id);
    if (response.status === 422) return new BlobCorruptError(blobId, id);
    if (response.status === 400) return new InvalidBlobIdError(blobId);
    return new StorageNodeUnavailableError(id, {
      cause: new Error(`HTTP ${response.status}: ${text.slice(0, 200)}`),
    });
  }

  const blobPath = (blobId: string) => {
    assertBlobId(blobId);
    return `/blobs/${blobId}`;
  };

  return {
    id,
    async put(blobId, bytes) {
      const response = await call('PUT', blobPath(blobId), encodeBlob(bytes));
      if (response.status !== 204) throw await failure(response, blobId);
    },
    async get(blobId) {
      const response = await call('GET', blobPath(blobId));
      if (response.status !== 200) throw await failure(response, blobId);
      return decodeBlob(Buffer.from(await response.arrayBuffer()), blobId, id);
    },
    async delete(blobId) {
      const response = await call('DELETE', blobPath(blobId));
      if (response.status !== 204) throw await failure(response, blobId);
    },
    async stat(blobId): Promise<BlobStat | undefined> {
      const response = await call('HEAD', blobPath(blobId));
      if (response.status === 404) return undefined;
      if (response.status !== 200) throw await failure(response, blobId);
      return {
        size: Number(response.headers.get('x-blob-size')),
        storedAt: new Date(Number(response.headers.get('x-blob-stored-at'))),
      };
    },
    async *list(): AsyncIterable<BlobListing> {
      const response = await call('GET', '/blobs');
      if (response.status !== 200 || !response.body) throw await failure(response, '');
      const decoder = new TextDecoder();
      let pending = '';
      for await (const chunk of response.body) {
        pending += decoder.decode(chunk as Uint8Array, { stream: true });
        const lines = pending.split('\n');
        pending = lines.pop()!;
        for (const line of lines) if (line) yield parseListing(line);
      }
      if (pending) yield parseListing(pending);
    },
    async health(): Promise<NodeHealth> {
      try {
        const response = await call('GET', '/health');
        const health = (await response.json()) as NodeHealth;
        return { ...health, id, healthy: response.ok && health.healthy };
      } catch {
        return { id, healthy: false };
      }
    },
  };
}

function parseListing(line: string): BlobListing {
  const entry = JSON.parse(line) as { blobId: string; size: number; storedAt: number };
  return { blobId: entry.blobId, size: entry.size, storedAt: new Date(entry.storedAt) };
}
