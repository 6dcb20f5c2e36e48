/**
 * Measures how much a 256 MiB streamed put and get raise the resident memory of the process that
 * runs the storage node. Run as `node --expose-gc --import tsx tests/support/storage-memory-probe.ts
 * <fs|http> [MiB]`; prints one JSON line: the baseline RSS, the peak seen while the blob streamed in
 * and out (sampled every few milliseconds and at every chunk), and whether the bytes read back are
 * those written. `http` runs the storage-node worker in the same process, so both ends count.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { createFsNode } from '../../shared/storage/adapters/fs-node.js';
import { createHttpNode } from '../../shared/storage/adapters/http-node.js';
import { newBlobId } from '../../shared/storage/blob-id.js';
import type { StorageNode } from '../../shared/storage/ports.js';
import { silentLogger } from '../../shared/telemetry/logger.js';
import { createStorageNodeServer } from '../../workers/storage-node/server.js';
import { generatedSource } from './blob-streams.js';

const mode = process.argv[2] ?? 'fs';
const size = Number(process.argv[3] ?? 256) * 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'storage-memory-'));
const disk = createFsNode({ id: 'node-1', dir, fsync: false });
let node: StorageNode = disk;
let close: () => Promise<void> = async () => undefined;
if (mode === 'http') {
  const server = createStorageNodeServer(disk, silentLogger);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  node = createHttpNode({
    id: 'node-1',
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  });
  close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
}

/** Writes and reads back a blob of `bytes`; returns whether the CRC32 of both sides match. */
async function roundTrip(bytes: number, onChunk: () => void): Promise<boolean> {
  const blobId = newBlobId();
  const generated = generatedSource(bytes, 7);
  let sent = 0;
  async function* counted() {
    for await (const chunk of generated.stream) {
      sent = crc32(chunk as Buffer, sent);
      onChunk();
      yield chunk as Buffer;
    }
  }
  await node.putStream(blobId, { size: bytes, stream: Readable.from(counted(), { objectMode: false }) });
  let read = 0;
  for await (const chunk of await node.getStream(blobId)) {
    read = crc32(chunk as Buffer, read);
    onChunk();
  }
  await node.delete(blobId);
  return sent === read;
}

const gc = (globalThis as { gc?: () => void }).gc;
try {
  // Warm up: the code paths' own allocations are not the blob's.
  await roundTrip(4 * 1024 * 1024, () => undefined);
  gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage().rss);
  };
  const timer = setInterval(sample, 5);
  const intact = await roundTrip(size, sample);
  clearInterval(timer);
  sample();
  process.stdout.write(`${JSON.stringify({ mode, size, baseline, peak, rise: peak - baseline, intact })}\n`);
} finally {
  await close();
  rmSync(dir, { recursive: true, force: true });
}
