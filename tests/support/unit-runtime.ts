import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { attachRawBody } from '../../layers/binary-body.js';
import { localContext } from '../../layers/request-context.js';
import { createMemoryCache } from '../../shared/cache/adapters/memory-cache.js';
import { loadConfig } from '../../shared/config/env.js';
import { openMetadataStore } from '../../shared/metadata/open-metadata-store.js';
import type { MetadataStore } from '../../shared/metadata/ports.js';
import { createMemoryQueue, type MemoryTaskQueue } from '../../shared/queue/adapters/memory-queue.js';
import { createRuntime } from '../../shared/runtime/create-runtime.js';
import type { Runtime } from '../../shared/runtime/runtime.js';
import { createMemoryNode, type MemoryNode } from '../../shared/storage/adapters/memory-node.js';
import { silentLogger } from '../../shared/telemetry/logger.js';

export interface UnitRuntime {
  runtime: Runtime;
  nodes: MemoryNode[];
  queue: MemoryTaskQueue;
  spans: InMemorySpanExporter;
  store: MetadataStore;
}

/** A runtime over in-memory adapters: memory storage nodes, in-memory PGlite, memory cache and queue. */
export async function createUnitRuntime(store?: MetadataStore): Promise<UnitRuntime> {
  const nodes = [createMemoryNode('node-1'), createMemoryNode('node-2'), createMemoryNode('node-3')];
  const queue = createMemoryQueue({ maxAttempts: 3, retryDelayMs: 10 });
  const spans = new InMemorySpanExporter();
  const metadata = store ?? (await openMetadataStore({ backend: 'pglite' }));
  const runtime = await createRuntime(loadConfig({ LOG_LEVEL: 'silent' }), {
    nodes,
    metadata,
    cache: createMemoryCache(),
    queue,
    logger: silentLogger,
    spanExporter: spans,
    reconcile: false,
  });
  return { runtime, nodes, queue, spans, store: metadata };
}

export interface EventInput {
  method: string;
  path: string;
  query?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

/** An API Gateway v2 event as the gateways build it. */
export function apiEvent(input: EventInput): APIGatewayProxyEventV2 {
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: '$default',
    rawPath: input.path,
    rawQueryString: input.query ?? '',
    headers: { host: '127.0.0.1:8080', ...input.headers },
    requestContext: {
      accountId: '000000000000',
      apiId: 'unit',
      domainName: '127.0.0.1',
      domainPrefix: '127',
      http: {
        method: input.method,
        path: input.path,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'unit',
      },
      requestId: 'unit',
      routeKey: '$default',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    isBase64Encoded: false,
  };
  if (input.body !== undefined) attachRawBody(event, Buffer.from(input.body));
  return event;
}

export function unitContext(name = 's3Api') {
  return localContext(name, 'unit-invocation');
}
