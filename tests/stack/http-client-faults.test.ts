import { randomBytes } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { s3Client } from '../support/e2e/clients.js';
import { controlRequest } from '../support/stack/control-plane.js';
import { stackEnv } from '../support/stack/stack-env.js';

/**
 * The `http.client` point in stack mode: the storage service inside serverless-offline reaches the
 * storage-node workers through the shared HTTP client, so an injected 503 on one attempt is
 * absorbed by its retry. Needs the test stack (scripts/test-stack.env: FAULTS_ENABLED=true),
 * named by its variables (tests/support/stack/stack-env.ts).
 */
const env = stackEnv();
/** Two serverless-offline instances behind nginx's round robin: this many asks reach both. */
const ROUND_ROBIN_ASKS = 10;
/** Bound of the asks that wait for a rule change to reach both instances (it takes < 100 ms). */
const PROPAGATION_ASKS = 200;

interface Firing {
  ruleId: string;
  point: string;
  type: string;
  service: string;
  requestId?: string;
}

const bucket = `h1-http-client-${randomBytes(4).toString('hex')}`;
const key = 'fault/through-the-client.bin';
const bytes = randomBytes(64 * 1024);
let s3: S3Client;
let ruleId: string | undefined;

function admin(method: string, path: string, body?: unknown): Promise<Response> {
  return controlRequest(env.adminEndpoint, method, `/injection${path}`, body);
}

/** Asks until two answers in a row (round robin: both instances) have `status`; false if never. */
async function onBothInstances(path: string, status: number): Promise<boolean> {
  let inARow = 0;
  for (let ask = 0; ask < PROPAGATION_ASKS; ask += 1) {
    inARow = (await admin('GET', path)).status === status ? inARow + 1 : 0;
    if (inARow === 2) return true;
  }
  return false;
}

beforeAll(async () => {
  s3 = s3Client(env.endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes }));
});

afterAll(async () => {
  if (ruleId !== undefined) await admin('DELETE', `/rules/${ruleId}`);
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
  await s3.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => undefined);
  s3.destroy();
});

describe('http.client faults in stack mode', () => {
  it('a 503 on one storage-node call is retried by the client: the GET returns the right bytes', async () => {
    // Prepare: one injected 503 per instance, on this bucket's blob reads only
    const created = await admin('POST', '/rules', {
      name: 'h1-http-client-503',
      match: { point: 'http.client', service: 'storage', bucket, endpoint: 'GET /blobs/*' },
      fault: { type: 'http_status', status: 503 },
      times: 1,
      ttl: '2m',
    });
    expect(created.status).toBe(201);
    ruleId = ((await created.json()) as { id: string }).id;
    expect(await onBothInstances(`/rules/${ruleId}`, 200)).toBe(true);

    // Act
    const read = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const body = Buffer.from(await read.Body!.transformToByteArray());

    // Assess: the right bytes, and the firing in the hit log of the instance that served the GET
    expect(body.equals(bytes)).toBe(true);
    let firings: Firing[] = [];
    for (let ask = 0; ask < ROUND_ROBIN_ASKS && firings.length === 0; ask += 1) {
      const events = await admin('GET', `/events?rule=${encodeURIComponent(ruleId)}`);
      firings = ((await events.json()) as { events: Firing[] }).events;
    }
    expect(firings).toEqual([
      expect.objectContaining({ ruleId, point: 'http.client', type: 'http_status', service: 'storage' }),
    ]);
    if (read.$metadata.requestId !== undefined) expect(firings[0]?.requestId).toBe(read.$metadata.requestId);

    // Cleanup (checked: the rule is gone)
    expect((await admin('DELETE', `/rules/${ruleId}`)).status).toBe(200);
    expect(await onBothInstances(`/rules/${ruleId}`, 404)).toBe(true);
    ruleId = undefined;
  });
});
