import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createFsNode, type FsNode } from '../../../../shared/storage/adapters/fs-node.js';
import { encodeBlobPrefix } from '../../../../shared/storage/blob-format.js';
import { newBlobId } from '../../../../shared/storage/blob-id.js';
import { silentLogger } from '../../../../shared/telemetry/logger.js';
import { createStorageNodeServer } from '../../../../workers/storage-node/server.js';

let dir: string;
let disk: FsNode;
let server: Server;
let port: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'streamed-put-'));
  disk = createFsNode({ id: 'node-1', dir, fsync: false });
  server = createStorageNodeServer(disk, silentLogger);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

/** A streamed PUT as the http node sends it: `content`, then `prefix`. */
function putStreamed(blobId: string, content: Buffer, prefix: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: '127.0.0.1',
        port,
        method: 'PUT',
        path: `/blobs/${blobId}`,
        headers: { 'x-blob-size': String(content.length), 'content-length': content.length + prefix.length },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(Buffer.concat([content, prefix]));
  });
}

describe('streamed PUT to the storage-node worker', () => {
  const content = Buffer.alloc(3 * 1024 * 1024 + 5, 0x42);

  it('stores the blob when the checksums sent after it match the bytes received', async () => {
    // Prepare
    const blobId = newBlobId();

    // Act
    const status = await putStreamed(blobId, content, encodeBlobPrefix(content));

    // Assess
    expect(status).toBe(204);
    expect((await disk.get(blobId)).equals(content)).toBe(true);
  });

  it('refuses with 422 and stores nothing when a byte changed on the way', async () => {
    // Prepare
    const blobId = newBlobId();
    const sent = Buffer.from(content);
    const prefix = encodeBlobPrefix(sent);
    sent[2 * 1024 * 1024 + 7] = 0x43;

    // Act
    const status = await putStreamed(blobId, sent, prefix);

    // Assess
    expect(status).toBe(422);
    expect(await disk.stat(blobId)).toBeUndefined();
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
  });
});
