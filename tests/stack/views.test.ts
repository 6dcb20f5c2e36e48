import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
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
 * Stack mode's replicas view reads each storage-node worker's disk past its `node.*` faults and
 * the service's `http.client` hook. The rules are waits with no `times`, so the test stack's
 * reconcile pass (every 5 s, its scrub reading replicas through the same points) cannot spend
 * them: a view that met them would take their seconds, a client GET right after still does.
 * Needs the test stack (FAULTS_ENABLED=true).
 */
const env = stackEnv();
const bucket = `stack-views-${randomBytes(4).toString('hex')}`;
const key = 'looked-at.bin';
/**
 * A rule reaches the workers within the propagation bound (100 ms), and a missed notice within the
 * one-second version check; nothing a test can await shows its arrival without spending it.
 */
const RULE_ARRIVAL_MS = 1500;
/** What each rule holds a read or a call for: far above a view's own few milliseconds. */
const HELD_MS = 3000;
let s3: S3Client;
const ruleIds: string[] = [];

function control(method: string, path: string, body?: unknown): Promise<Response> {
  return controlRequest(env.adminEndpoint, method, path, body);
}

beforeAll(async () => {
  s3 = s3Client(env.endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: randomBytes(8 * 1024) }));
});

afterAll(async () => {
  for (const id of ruleIds) await control('DELETE', `/injection/rules/${id}`);
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
  await s3.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => undefined);
  s3.destroy();
});

describe('the replicas view in stack mode', () => {
  it('meets no node.read or http.client rule, while a client GET right after does', async () => {
    // Prepare: a long wait at every worker's reads and on every call to a worker
    const rules = [
      { match: { service: 'storage-node', point: 'node.read' }, fault: { type: 'io_latency', ms: HELD_MS } },
      { match: { service: 'storage', point: 'http.client' }, fault: { type: 'latency', ms: HELD_MS } },
    ];
    for (const rule of rules) {
      const answer = await control('POST', '/injection/rules', { ...rule, ttl: '2m' });
      expect(answer.status).toBe(201);
      ruleIds.push(((await answer.json()) as { id: string }).id);
    }
    await delay(RULE_ARRIVAL_MS);

    // Act
    const viewStarted = performance.now();
    const view = await control('GET', `/storage/replicas/${bucket}/${key}?verify=true`);
    const viewBody = (await view.json()) as { blobs: { replicas: { state: string }[] }[] };
    const viewMs = performance.now() - viewStarted;
    const getStarted = performance.now();
    await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const getMs = performance.now() - getStarted;

    // Assess
    expect(view.status).toBe(200);
    const states = viewBody.blobs[0]!.replicas.map((replica) => replica.state).filter((s) => s !== 'missing');
    expect(states).toEqual(['verified', 'verified']);
    expect(viewMs).toBeLessThan(HELD_MS / 2);
    expect(getMs).toBeGreaterThanOrEqual(HELD_MS);
  });
});
