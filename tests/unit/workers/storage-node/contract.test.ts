import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMemoryNode, type MemoryNode } from '../../../../shared/storage/adapters/memory-node.js';
import { encodeBlob } from '../../../../shared/storage/blob-format.js';
import { NodeFullError } from '../../../../shared/storage/ports.js';
import { silentLogger } from '../../../../shared/telemetry/logger.js';
import { createMetrics } from '../../../../shared/telemetry/metrics.js';
import { createStorageNodeServer } from '../../../../workers/storage-node/server.js';
import { describeContract } from '../../../support/contract-suite.js';
import { type ContractAnswer, type ContractCase, parseBody } from '../../../support/openapi.js';

interface WorkerContext {
  node: MemoryNode;
  /** What the node's health reports; a test turns it off to see the 503. */
  healthy: boolean;
  /** The node's disk is full: its puts fail with NodeFullError (the 507). */
  full: boolean;
  server: Server;
  baseUrl: string;
}

type Case = ContractCase<WorkerContext>;

const BLOB = '0123456789abcdef0123456789abcdef';
const BYTES = Buffer.from('replica bytes');

async function withBlob({ node }: WorkerContext): Promise<void> {
  await node.put(BLOB, BYTES);
}

async function send(
  context: WorkerContext,
  c: { method: string; path: string; body?: unknown },
): Promise<ContractAnswer> {
  const body = Buffer.isBuffer(c.body) ? c.body : undefined;
  const response = await fetch(`${context.baseUrl}${c.path}`, {
    method: c.method,
    ...(body ? { body } : {}),
  });
  const contentType = response.headers.get('content-type') ?? undefined;
  const bytes = Buffer.from(await response.arrayBuffer());
  const parsed =
    contentType === 'application/x-ndjson'
      ? bytes
          .toString('utf8')
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => JSON.parse(line) as unknown)
      : parseBody(contentType, bytes);
  return { status: response.status, contentType, body: parsed };
}

/**
 * The routes the worker serves, found by asking it: every method on every path it might know. An
 * answer other than 404 `NoSuchRoute` or 405 (or a bodiless 404 to HEAD) means the route exists.
 */
async function probeRoutes(context: WorkerContext): Promise<{ method: string; path: string }[]> {
  const found: { method: string; path: string }[] = [];
  const paths = [
    ['/health', '/health'],
    ['/metrics', '/metrics'],
    ['/blobs', '/blobs'],
    ['/blobs/{blobId}', `/blobs/${BLOB}`],
    ['/', '/'],
  ];
  for (const method of ['GET', 'HEAD', 'PUT', 'POST', 'PATCH', 'DELETE']) {
    for (const [template, path] of paths) {
      await withBlob(context);
      const answer = await send(context, {
        method,
        path: path!,
        ...(method === 'GET' || method === 'HEAD' ? {} : { body: encodeBlob(BYTES) }),
      });
      const error = (answer.body as { error?: string } | undefined)?.error;
      const refused =
        answer.status === 405 || error === 'NoSuchRoute' || (method === 'HEAD' && answer.status === 404);
      if (!refused) found.push({ method, path: template! });
    }
  }
  return found;
}

const CASES: Case[] = [
  { operationId: 'getNodeHealth', status: 200, method: 'GET', path: '/health' },
  {
    operationId: 'getNodeHealth',
    status: 503,
    method: 'GET',
    path: '/health',
    setup: async (context) => {
      context.healthy = false;
    },
  },
  { operationId: 'getNodeMetrics', status: 200, method: 'GET', path: '/metrics' },
  { operationId: 'listBlobs', status: 200, method: 'GET', path: '/blobs', setup: withBlob },
  { operationId: 'putBlob', status: 204, method: 'PUT', path: `/blobs/${BLOB}`, body: encodeBlob(BYTES) },
  { operationId: 'putBlob', status: 400, method: 'PUT', path: '/blobs/a.b', body: encodeBlob(BYTES) },
  {
    operationId: 'putBlob',
    status: 422,
    method: 'PUT',
    path: `/blobs/${BLOB}`,
    body: Buffer.concat([encodeBlob(BYTES).subarray(0, 48), Buffer.from('other bytes!!')]),
  },
  {
    operationId: 'putBlob',
    status: 507,
    method: 'PUT',
    path: `/blobs/${BLOB}`,
    body: encodeBlob(BYTES),
    setup: async (context) => {
      context.full = true;
    },
  },
  { operationId: 'getBlob', status: 200, method: 'GET', path: `/blobs/${BLOB}`, setup: withBlob },
  { operationId: 'getBlob', status: 400, method: 'GET', path: '/blobs/a.b' },
  { operationId: 'getBlob', status: 404, method: 'GET', path: `/blobs/${BLOB}` },
  {
    operationId: 'getBlob',
    status: 422,
    method: 'GET',
    path: `/blobs/${BLOB}`,
    setup: async (context) => {
      await withBlob(context);
      context.node.corrupt(BLOB);
    },
  },
  { operationId: 'statBlob', status: 200, method: 'HEAD', path: `/blobs/${BLOB}`, setup: withBlob },
  { operationId: 'statBlob', status: 404, method: 'HEAD', path: `/blobs/${BLOB}` },
  { operationId: 'deleteBlob', status: 204, method: 'DELETE', path: `/blobs/${BLOB}`, setup: withBlob },
  { operationId: 'deleteBlob', status: 400, method: 'DELETE', path: '/blobs/a.b' },
];

// The storage-node worker's HTTP API (the real server on a loopback port) against
// docs/openapi/storage-node.yaml.
describeContract<WorkerContext>('storage-node OpenAPI contract', {
  document: 'storage-node',
  declared: probeRoutes,
  open: async () => {
    const node = createMemoryNode('node-1');
    const context = { node, healthy: true, full: false } as WorkerContext;
    const served = {
      ...node,
      health: async () => ({ ...(await node.health()), healthy: context.healthy }),
      put: async (blobId: string, bytes: Buffer) => {
        if (context.full)
          throw new NodeFullError(node.id, {
            cause: Object.assign(new Error('no space'), { code: 'ENOSPC' }),
          });
        return node.put(blobId, bytes);
      },
    };
    context.server = createStorageNodeServer(served, silentLogger, served, { metrics: createMetrics() });
    await new Promise<void>((resolve) => context.server.listen(0, '127.0.0.1', resolve));
    context.baseUrl = `http://127.0.0.1:${(context.server.address() as AddressInfo).port}`;
    return context;
  },
  close: (context) => new Promise<void>((resolve) => context.server.close(() => resolve())),
  reset: async (context) => {
    context.healthy = true;
    context.full = false;
    await context.node.delete(BLOB);
  },
  call: send,
  cases: CASES,
  broken: {
    schema: '#/components/schemas/BlobListing',
    value: { blobId: BLOB, size: 13, storedAt: '2024-01-01T00:00:00Z' },
    problem: '$.storedAt',
  },
});
