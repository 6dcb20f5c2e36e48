import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { uniqueBucketName } from './payload.js';
import { type EmbeddedServer, s3Client, startEmbeddedServer } from './server.js';

/** Where the injection service is mounted on the admin endpoint. */
export const INJECTION_BASE = '/api/v1/injection';

/** One answer of the control API: status and parsed JSON body. */
export interface ControlAnswer<T = unknown> {
  status: number;
  body: T;
}

/** The canonical rule as the control API answers it (the fields the tests read). */
export interface RuleView {
  id: string;
  scenario?: string;
  enabled: boolean;
  priority: number;
  match: Record<string, unknown>;
  fault: Record<string, unknown> & { type: string };
  rate: number;
  after: number;
  times?: number;
  every: number;
  seed: number | string;
  ttl?: string;
  expiresAt: string;
  createdAt: string;
  hits: number;
}

/** One entry of the hit log (`GET /events`). */
export interface FiringView {
  time: string;
  ruleId: string;
  scenario?: string;
  point: string;
  type: string;
  service: string;
  operation?: string;
  requestId?: string;
  delayMs?: number;
}

/** `GET /status`. */
export interface StatusView {
  enabled: boolean;
  reason: string;
  killSwitch: boolean;
  rules: number;
  activeRules: number;
  scenarios: number;
  version: number;
}

/**
 * One call to a control-plane API at `url`: the status, the parsed JSON answer (raw text when it is
 * not JSON) and the text as sent, for asserting what it leaves out.
 */
export async function controlCall<T = unknown>(
  url: string,
  method: string,
  body?: unknown,
): Promise<ControlAnswer<T> & { text: string }> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // Left as text: the assertion that follows shows it.
  }
  return { status: response.status, body: parsed as T, text };
}

/** A refusal of the control API. */
export interface ControlErrorView {
  error: { code: string; message: string; field?: string; requestId: string };
}

/**
 * A small client of the fault-injection control plane (`/api/v1/injection/...` on the admin
 * endpoint). `call` returns whatever came back; the named helpers expect success and throw with
 * the answer otherwise, so a test fails on the call that went wrong.
 */
export class FaultsClient {
  constructor(readonly adminEndpoint: string) {}

  /** Sends one request and parses the JSON answer (raw text when it is not JSON). */
  async call<T = unknown>(method: string, path: string, body?: unknown): Promise<ControlAnswer<T>> {
    const { status, body: parsed } = await controlCall<T>(
      `${this.adminEndpoint}${INJECTION_BASE}${path}`,
      method,
      body,
    );
    return { status, body: parsed };
  }

  private async expect<T>(status: number, method: string, path: string, body?: unknown): Promise<T> {
    const answer = await this.call<T>(method, path, body);
    if (answer.status !== status) {
      throw new Error(
        `${method} ${INJECTION_BASE}${path} answered ${answer.status}, expected ${status}: ${JSON.stringify(answer.body)}`,
      );
    }
    return answer.body;
  }

  /** POST /rules (canonical or shorthand); resolves with the canonical rule. */
  addRule(rule: Record<string, unknown>): Promise<RuleView> {
    return this.expect<RuleView>(201, 'POST', '/rules', rule);
  }

  getRule(id: string): Promise<RuleView> {
    return this.expect<RuleView>(200, 'GET', `/rules/${encodeURIComponent(id)}`);
  }

  patchRule(id: string, patch: Record<string, unknown>): Promise<RuleView> {
    return this.expect<RuleView>(200, 'PATCH', `/rules/${encodeURIComponent(id)}`, patch);
  }

  removeRule(id: string): Promise<unknown> {
    return this.expect(200, 'DELETE', `/rules/${encodeURIComponent(id)}`);
  }

  async listRules(): Promise<RuleView[]> {
    return (await this.expect<{ rules: RuleView[] }>(200, 'GET', '/rules')).rules;
  }

  /** DELETE /rules: every rule gone, the engine stays on. */
  clearRules(): Promise<{ removed: number }> {
    return this.expect(200, 'DELETE', '/rules');
  }

  /** GET /events, filtered by rule, scenario, request id or point. */
  async events(
    filter: { rule?: string; scenario?: string; request_id?: string; point?: string } = {},
  ): Promise<FiringView[]> {
    const query = new URLSearchParams(
      Object.entries(filter).filter((entry): entry is [string, string] => entry[1] !== undefined),
    ).toString();
    return (await this.expect<{ events: FiringView[] }>(200, 'GET', `/events${query ? `?${query}` : ''}`))
      .events;
  }

  status(): Promise<StatusView> {
    return this.expect(200, 'GET', '/status');
  }

  /** POST /disable-all: the kill switch. */
  killSwitch(): Promise<StatusView> {
    return this.expect(200, 'POST', '/disable-all');
  }

  /** POST /enable: releases the kill switch. */
  enable(): Promise<StatusView> {
    return this.expect(200, 'POST', '/enable');
  }

  activateScenario(name: string, options: { ttl?: string } = {}): Promise<{ rules: RuleView[] }> {
    return this.expect(200, 'POST', `/scenarios/${encodeURIComponent(name)}/activate`, options);
  }

  deactivateScenario(name: string): Promise<{ rules: RuleView[] }> {
    return this.expect(200, 'POST', `/scenarios/${encodeURIComponent(name)}/deactivate`);
  }

  async presets(): Promise<{ name: string; description: string }[]> {
    const body = await this.expect<{ presets: { name: string; description: string }[] }>(
      200,
      'GET',
      '/presets',
    );
    return body.presets;
  }

  explain(event: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.expect(200, 'POST', '/explain', event);
  }

  /** Puts the engine back to a clean state between tests: kill switch released, no rules. */
  async reset(): Promise<void> {
    await this.enable();
    await this.clearRules();
  }
}

/** One server with the fault engine on, its S3 client, and a control-plane client. */
export interface FaultTarget {
  readonly server: EmbeddedServer;
  readonly endpoint: string;
  readonly adminEndpoint: string;
  readonly dataDir: string;
  readonly client: S3Client;
  readonly faults: FaultsClient;
  createBucket(prefix?: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts an embedded server of its own with the fault engine and `x-mock-fault` headers on:
 * rules are global to a server, so a test file must not share one with files it does not own.
 */
export async function startFaultServer(
  options: { env?: Record<string, string>; dataDir?: string } = {},
): Promise<FaultTarget> {
  const server = await startEmbeddedServer({
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    env: { FAULTS_ENABLED: 'true', FAULTS_HEADER_ENABLED: 'true', ...options.env },
  });
  // Bounded, so a request the server never answers fails with a message instead of a hook timeout.
  const client = s3Client(server.endpoint, { requestHandler: { requestTimeout: 30_000 } });
  return {
    server,
    endpoint: server.endpoint,
    adminEndpoint: server.adminEndpoint,
    dataDir: server.dataDir,
    client,
    faults: new FaultsClient(server.adminEndpoint),
    createBucket: async (prefix = 'faults') => {
      const bucket = uniqueBucketName(prefix);
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      return bucket;
    },
    close: async () => {
      client.destroy();
      await server.stop('SIGTERM');
    },
  };
}

/** The storage nodes of an embedded server: `DATA_DIR/nodes/node-N`. */
export const NODE_IDS = ['node-1', 'node-2', 'node-3'] as const;

/** Blob ids stored on one node (`DATA_DIR/nodes/<node>/blobs/xx/<blobId>`). */
export async function blobsOnNode(dataDir: string, node: string): Promise<string[]> {
  const root = join(dataDir, 'nodes', node, 'blobs');
  const shards = await readdir(root).catch(() => [] as string[]);
  // All shards at once: one after another, the up to 256 reads took seconds on a loaded machine,
  // long enough for a test's "still there" snapshot to see a later state.
  const listings = await Promise.all(
    shards.map((shard) => readdir(join(root, shard)).catch(() => [] as string[])),
  );
  return listings
    .flat()
    .filter((file) => !file.startsWith('.'))
    .sort();
}

/** Blob id -> nodes holding a replica, over every node. */
export async function blobReplicas(dataDir: string): Promise<Map<string, string[]>> {
  const replicas = new Map<string, string[]>();
  const listings = await Promise.all(NODE_IDS.map((node) => blobsOnNode(dataDir, node)));
  NODE_IDS.forEach((node, index) => {
    for (const blobId of listings[index]!) replicas.set(blobId, [...(replicas.get(blobId) ?? []), node]);
  });
  return replicas;
}

/**
 * Polls `probe` until it returns a value `done` accepts, or throws after `timeoutMs` with the last
 * value. For state that changes in another process (a queue drained, a reconcile pass): no event
 * crosses the process boundary, so polling is the only way to await it.
 */
export async function eventually<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  let last: T = await probe();
  while (!done(last)) {
    if (Date.now() > deadline) {
      throw new Error(`${options.what ?? 'condition'} not reached in time; last: ${JSON.stringify(last)}`);
    }
    await delay(options.intervalMs ?? 100);
    last = await probe();
  }
  return last;
}

/**
 * Adds `x-mock-fault: <value>` to every request of an SDK client (the per-request fault header).
 * Returns a function that removes the middleware again.
 */
export function withFaultHeader(client: S3Client, value: string): () => void {
  const name = `x-mock-fault-${Math.random().toString(36).slice(2)}`;
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = (args as { request?: { headers?: Record<string, string> } }).request;
      if (request?.headers) request.headers['x-mock-fault'] = value;
      return next(args);
    },
    { step: 'build', name },
  );
  return () => {
    client.middlewareStack.remove(name);
  };
}

/** Milliseconds `work` takes, with its result. */
export async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const start = performance.now();
  const result = await work();
  return { ms: performance.now() - start, result };
}

/** What a promise rejected with, for assertions on SDK and network failures. */
export async function failureOf(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected the request to fail, it succeeded');
}
