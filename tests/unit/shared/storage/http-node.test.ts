import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createFsNode } from '../../../../shared/storage/adapters/fs-node.js';
import { createHttpNode } from '../../../../shared/storage/adapters/http-node.js';
import { newBlobId } from '../../../../shared/storage/blob-id.js';
import {
  BlobCorruptError,
  BlobMissingError,
  NodeFullError,
  type StorageNode,
  StorageNodeUnavailableError,
} from '../../../../shared/storage/ports.js';
import { silentLogger } from '../../../../shared/telemetry/logger.js';
import { createStorageNodeServer } from '../../../../workers/storage-node/server.js';

let dir: string;
let server: Server;
let node: StorageNode;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'http-node-'));
  server = createStorageNodeServer(createFsNode({ id: 'node-1', dir, fsync: false }), silentLogger);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  node = createHttpNode({ id: 'node-1', baseUrl: `http://127.0.0.1:${port}` });
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('http node over the storage-node worker API', () => {
  it('puts, stats, gets, lists and deletes a blob', async () => {
    // Prepare
    const blobId = newBlobId();
    const bytes = Buffer.from('over the wire');

    // Act
    await node.put(blobId, bytes);
    const read = await node.get(blobId);
    const stat = await node.stat(blobId);
    const listed = [];
    for await (const entry of node.list()) listed.push(entry.blobId);
    await node.delete(blobId);

    // Assess
    expect(read.equals(bytes)).toBe(true);
    expect(stat?.size).toBe(bytes.length);
    expect(listed).toContain(blobId);
    expect(await node.stat(blobId)).toBeUndefined();
    await expect(node.get(blobId)).rejects.toBeInstanceOf(BlobMissingError);
  });

  it('stats blobs, present or absent, over one kept-alive connection', async () => {
    // Prepare
    const present = newBlobId();
    await node.put(present, Buffer.from('kept'));
    let connections = 0;
    const count = () => {
      connections += 1;
    };
    server.on('connection', count);

    // Act
    try {
      for (let i = 0; i < 10; i++) {
        expect(await node.stat(present)).toBeDefined();
        expect(await node.stat(newBlobId())).toBeUndefined();
      }
    } finally {
      server.off('connection', count);
    }

    // Assess: one at most (the pooled connection may have closed since the last test)
    expect(connections).toBeLessThanOrEqual(1);
  });

  it('reports on-disk corruption as BlobCorruptError', async () => {
    // Prepare
    const blobId = newBlobId();
    await node.put(blobId, Buffer.from('rotting'));
    const path = join(dir, 'blobs', blobId.slice(0, 2), blobId);
    const file = readFileSync(path);
    file[file.length - 1]! ^= 0x80;
    writeFileSync(path, file);

    // Act / Assess
    await expect(node.get(blobId)).rejects.toBeInstanceOf(BlobCorruptError);
  });

  it('reports health with counts', async () => {
    // Act
    const health = await node.health();

    // Assess
    expect(health).toMatchObject({ id: 'node-1', healthy: true, blobs: expect.any(Number) });
  });

  it('reads a node that does not answer as unavailable', async () => {
    // Prepare: a port nobody listens on
    const dead = createHttpNode({ id: 'node-9', baseUrl: 'http://127.0.0.1:1', timeoutMs: 2000 });

    // Act / Assess
    await expect(dead.get(newBlobId())).rejects.toBeInstanceOf(StorageNodeUnavailableError);
    expect(await dead.health()).toEqual({ id: 'node-9', healthy: false });
  });

  it('reports a full node as NodeFullError at once: no retry, and the breaker stays closed', async () => {
    // Prepare: a worker whose disk is full (every put fails as ENOSPC makes the fs node fail)
    const inner = createFsNode({ id: 'node-full', dir, fsync: false });
    let puts = 0;
    const fullServer = createStorageNodeServer(
      {
        ...inner,
        put: async () => {
          puts += 1;
          throw new NodeFullError('node-full', {
            cause: Object.assign(new Error('no space'), { code: 'ENOSPC' }),
          });
        },
      },
      silentLogger,
    );
    await new Promise<void>((resolve) => fullServer.listen(0, '127.0.0.1', resolve));
    const { port } = fullServer.address() as AddressInfo;
    const full = createHttpNode({ id: 'node-full', baseUrl: `http://127.0.0.1:${port}` });

    // Act: more puts than the breaker's failure threshold (5)
    const failures = [];
    try {
      for (let i = 0; i < 8; i++)
        failures.push(await full.put(newBlobId(), Buffer.from('x')).catch((e) => e));
    } finally {
      fullServer.closeAllConnections();
      await new Promise((resolve) => fullServer.close(resolve));
    }

    // Assess
    expect(failures.every((failure) => failure instanceof NodeFullError)).toBe(true);
    expect(puts).toBe(8);
  });
});
