import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFsNode } from '../../../../shared/storage/adapters/fs-node.js';
import { createHttpNode } from '../../../../shared/storage/adapters/http-node.js';
import { createMemoryNode } from '../../../../shared/storage/adapters/memory-node.js';
import { silentLogger } from '../../../../shared/telemetry/logger.js';
import { createStorageNodeServer } from '../../../../workers/storage-node/server.js';
import { describeNodeStreamContract } from '../../../support/storage-node-stream-contract.js';

describeNodeStreamContract('memory node', async () => {
  const node = createMemoryNode('node-1');
  return {
    node,
    damage: (blobId, mode) => node.damage(blobId, mode),
    leftovers: async () => [],
    close: async () => {},
  };
});

describeNodeStreamContract('fs node', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fs-node-streams-'));
  const node = createFsNode({ id: 'node-1', dir, fsync: false });
  return {
    node,
    damage: (blobId, mode) => node.damage(blobId, mode),
    leftovers: async () => readdirSync(join(dir, 'tmp')),
    close: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describeNodeStreamContract('http node and storage-node worker', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'http-node-streams-'));
  const disk = createFsNode({ id: 'node-1', dir, fsync: false });
  const server: Server = createStorageNodeServer(disk, silentLogger);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const node = createHttpNode({ id: 'node-1', baseUrl: `http://127.0.0.1:${port}` });
  return {
    node,
    damage: (blobId, mode) => disk.damage(blobId, mode),
    leftovers: () => tempFilesOnceSettled(join(dir, 'tmp')),
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

/**
 * The worker's temp files once its cleanup of a failed write is done: the worker learns of the
 * failure from a closed connection, after its caller, and no event crosses back, so this polls for
 * at most two seconds.
 */
async function tempFilesOnceSettled(tmp: string): Promise<string[]> {
  const deadline = Date.now() + 2000;
  let files = readdirSync(tmp);
  while (files.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    files = readdirSync(tmp);
  }
  return files;
}
