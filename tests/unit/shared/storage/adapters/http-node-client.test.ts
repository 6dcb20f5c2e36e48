import { describe, expect, it } from '@jest/globals';
import type { HttpResponse, OutgoingRequest } from '../../../../../shared/http/node-transport.js';
import { createHttpNode, createStorageNodeClient } from '../../../../../shared/storage/adapters/http-node.js';
import { newBlobId } from '../../../../../shared/storage/blob-id.js';
import {
  BlobCorruptError,
  BlobMissingError,
  StorageNodeUnavailableError,
} from '../../../../../shared/storage/ports.js';

/** An http node over a scripted transport: each request gets the next status (then 204). */
function scripted(statuses: number[]) {
  const sent: OutgoingRequest[] = [];
  const client = createStorageNodeClient({
    sleep: async () => undefined,
    transport: async (request): Promise<HttpResponse> => {
      sent.push(request);
      const status = statuses.shift() ?? 204;
      return { status, headers: {}, body: Buffer.from(status === 200 ? '{"healthy":true}' : '') };
    },
  });
  return { node: createHttpNode({ id: 'node-1', baseUrl: 'http://127.0.0.1:7001/', client }), sent };
}

describe('createHttpNode through the HTTP client', () => {
  it('retries a PUT on 5xx (the same id and bytes: idempotent)', async () => {
    // Prepare
    const { node, sent } = scripted([503, 500, 204]);

    // Act
    await node.put(newBlobId(), Buffer.from('bytes'));

    // Assess
    expect(sent.map((request) => request.method)).toEqual(['PUT', 'PUT', 'PUT']);
    expect(sent[0]?.headers['content-type']).toBe('application/octet-stream');
    expect(sent[2]?.body?.equals(sent[0]!.body!)).toBe(true);
  });

  it.each([
    [404, BlobMissingError],
    [422, BlobCorruptError],
  ])('maps %i to its error without retrying', async (status, ErrorClass) => {
    // Prepare
    const { node, sent } = scripted([status]);

    // Act
    const read = node.get(newBlobId());

    // Assess
    await expect(read).rejects.toBeInstanceOf(ErrorClass);
    expect(sent).toHaveLength(1);
  });

  it('reports a node still failing after the retries as unavailable', async () => {
    // Prepare
    const { node, sent } = scripted([500, 500, 500]);

    // Act
    const removal = node.delete(newBlobId());

    // Assess
    await expect(removal).rejects.toBeInstanceOf(StorageNodeUnavailableError);
    expect(sent).toHaveLength(3);
  });

  it('probes health with a single attempt', async () => {
    // Prepare
    const { node, sent } = scripted([503]);

    // Act
    const health = await node.health();

    // Assess
    expect(health).toEqual({ id: 'node-1', healthy: false });
    expect(sent.map((request) => request.url.pathname)).toEqual(['/health']);
  });
});
