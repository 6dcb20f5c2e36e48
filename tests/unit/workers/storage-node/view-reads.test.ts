import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createFaultEngine, type FaultEngine } from '../../../../shared/faults/engine.js';
import { withNodeFaults } from '../../../../shared/injection/storage-node-faults.js';
import { createFsNode } from '../../../../shared/storage/adapters/fs-node.js';
import { createHttpNode, VIEW_HEADER } from '../../../../shared/storage/adapters/http-node.js';
import { encodeBlob } from '../../../../shared/storage/blob-format.js';
import { newBlobId } from '../../../../shared/storage/blob-id.js';
import { silentLogger } from '../../../../shared/telemetry/logger.js';
import { createStorageNodeServer } from '../../../../workers/storage-node/server.js';
import { DAY_MS, manualClock } from '../../shared/faults/fault-fixtures.js';

/**
 * The worker serves a control-plane view's reads from its disk past its `node.*` faults: a view
 * (stack mode's `/api/v1/storage/replicas/...`) never spends a rule, logs a hit or sees a fault.
 */
let dir: string;
let engine: FaultEngine;
let server: Server;
let baseUrl: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'view-reads-'));
  engine = createFaultEngine({ clock: manualClock(), enabled: true, maxTtlMs: DAY_MS });
  const disk = createFsNode({ id: 'node-1', dir, fsync: false });
  server = createStorageNodeServer(withNodeFaults(disk, engine), silentLogger, disk);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('storage-node worker: reads for a view', () => {
  it('are served past a node.read rule, which a later data-plane read still meets', async () => {
    // Prepare
    const blobId = newBlobId();
    const data = createHttpNode({ id: 'node-1', baseUrl, timeoutMs: 2000 });
    const view = createHttpNode({ id: 'node-1', baseUrl, timeoutMs: 2000, view: true });
    await data.put(blobId, Buffer.from('as it is'));
    const rule = engine.addRule({
      match: { service: 'storage-node', point: 'node.read' },
      fault: { type: 'corrupt', mode: 'bitflip' },
      times: 1,
    });

    // Act
    const seen = await view.get(blobId);
    const firingsAfterView = engine.events({ ruleId: rule.id });
    const dataRead = data.get(blobId);

    // Assess
    expect(seen.toString()).toBe('as it is');
    expect(firingsAfterView).toEqual([]);
    await expect(dataRead).rejects.toThrow();
    expect(engine.events({ ruleId: rule.id })).toHaveLength(1);
  });

  it('never writes past the faults: a marked PUT still meets a node.write rule', async () => {
    // Prepare
    engine.addRule({
      match: { service: 'storage-node', point: 'node.write' },
      fault: { type: 'io_error', errno: 'EIO' },
    });

    // Act
    const response = await fetch(`${baseUrl}/blobs/${newBlobId()}`, {
      method: 'PUT',
      headers: { [VIEW_HEADER]: '1', 'content-type': 'application/octet-stream' },
      body: encodeBlob(Buffer.from('x')),
    });

    // Assess
    expect(response.status).toBe(500);
  });
});
