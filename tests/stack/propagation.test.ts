import { randomBytes } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { s3Client } from '../support/e2e/clients.js';
import { controlRequest } from '../support/stack/control-plane.js';
import { stackEnv } from '../support/stack/stack-env.js';

/**
 * Rule propagation between the processes of a running stack (FAULTS.md, "Propagation"): a change
 * made through one serverless-offline instance is in force on the other, the kill switch clears
 * both, and the firings of the front reach every instance's `/events`. The bound here is a
 * correctness bound that does not flake on a loaded machine; the 100 ms target is measured by
 * `npm run bench -- --suite propagation` (bench/results/propagation.md).
 */
const env = stackEnv();
if (env.offlinePorts.length !== 2) throw new Error('STACK_OFFLINE_PORTS must name the two instances');
const [A, B] = env.offlinePorts.map((port) => `http://127.0.0.1:${port}`) as [string, string];
/** Upper bound for a change to show on the other instance: generous, the target is 100 ms. */
const PROPAGATION_BOUND_MS = 2000;
const POLL_MS = 5;

interface Firing {
  ruleId: string;
  point: string;
  process?: string;
}

function control(origin: string, method: string, path: string, body?: unknown): Promise<Response> {
  return controlRequest(origin, method, `/injection${path}`, body, PROPAGATION_BOUND_MS);
}

/**
 * Asks `origin` until `shows` holds or the bound passes; resolves with the time it took, or
 * undefined when it never held. The other process gives no event to wait on: asking is the only way.
 */
async function within(origin: string, path: string, shows: (status: number, body: unknown) => boolean) {
  const started = performance.now();
  while (performance.now() - started < PROPAGATION_BOUND_MS) {
    const answer = await control(origin, 'GET', path);
    const body = answer.headers.get('content-type')?.includes('json')
      ? await answer.json()
      : await answer.text();
    if (shows(answer.status, body)) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return undefined;
}

const suffix = randomBytes(4).toString('hex');
const bucket = `h7-propagation-${suffix}`;
let s3: S3Client;
const created: string[] = [];

describe('rule propagation in stack mode', () => {
  beforeAll(async () => {
    s3 = s3Client(env.endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });

  afterAll(async () => {
    await Promise.allSettled(created.map((id) => control(A, 'DELETE', `/rules/${id}`)));
    await control(A, 'POST', '/enable');
    await s3.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => undefined);
    s3.destroy();
  });

  it('puts a rule created on one instance in force on the other, and its removal too', async () => {
    // Prepare
    const id = `h7-prop-${suffix}`;
    created.push(id);

    // Act
    const answer = await control(A, 'POST', '/rules', {
      id,
      match: { bucket: `${bucket}-none` },
      fault: { type: 'latency', ms: 1 },
      ttl: '5m',
    });
    const shownAfter = await within(B, `/rules/${id}`, (status) => status === 200);
    const explained = await control(B, 'POST', '/explain', {
      service: 's3-api',
      point: 'http.server',
      operation: 'GetObject',
      bucket: `${bucket}-none`,
    });
    await control(A, 'DELETE', `/rules/${id}`);
    const goneAfter = await within(B, `/rules/${id}`, (status) => status === 404);

    // Assess
    expect(answer.status).toBe(201);
    expect(shownAfter).toBeLessThan(PROPAGATION_BOUND_MS);
    expect(JSON.stringify(await explained.json())).toContain(id);
    expect(goneAfter).toBeLessThan(PROPAGATION_BOUND_MS);
  });

  it('clears the rules of both instances with the kill switch', async () => {
    // Prepare
    const id = `h7-kill-${suffix}`;
    created.push(id);
    await control(B, 'POST', '/rules', {
      id,
      match: { bucket },
      fault: { type: 'latency', ms: 1 },
      ttl: '5m',
    });
    expect(await within(A, `/rules/${id}`, (status) => status === 200)).toBeDefined();

    // Act
    const killed = await control(A, 'POST', '/disable-all');
    const clearedOnB = await within(B, '/status', (_status, body) => {
      const status = body as { killSwitch?: boolean; rules?: number };
      return status.killSwitch === true && status.rules === 0;
    });
    const ruleOnA = await control(A, 'GET', `/rules/${id}`);
    await control(A, 'POST', '/enable');
    const enabledOnB = await within(
      B,
      '/status',
      (_status, body) => (body as { killSwitch?: boolean }).killSwitch === false,
    );

    // Assess
    expect(killed.status).toBe(200);
    expect(clearedOnB).toBeLessThan(PROPAGATION_BOUND_MS);
    expect(ruleOnA.status).toBe(404);
    expect(enabledOnB).toBeLessThan(PROPAGATION_BOUND_MS);
  });

  it("shows the front's firings in the /events of both instances", async () => {
    // Prepare: a socket fault the front fires on this file's bucket alone.
    const id = `h7-front-${suffix}`;
    created.push(id);
    await control(A, 'POST', '/rules', {
      id,
      match: { point: 'gateway.socket', bucket },
      fault: { type: 'latency', ms: 1 },
      ttl: '5m',
    });
    // The front follows the rules too; the bound covers it as well as the instances.
    expect(await within(B, `/rules/${id}`, (status) => status === 200)).toBeDefined();

    // Act: list the bucket until the front has fired (it may hear the rule a little later).
    let onA: Firing[] = [];
    const started = performance.now();
    while (onA.length === 0 && performance.now() - started < PROPAGATION_BOUND_MS) {
      await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
      onA = ((await (await control(A, 'GET', `/events?rule=${id}`)).json()) as { events: Firing[] }).events;
    }
    const onB = ((await (await control(B, 'GET', `/events?rule=${id}`)).json()) as { events: Firing[] })
      .events;

    // Assess
    expect(onA.length).toBeGreaterThan(0);
    expect(onA[0]).toMatchObject({
      ruleId: id,
      point: 'gateway.socket',
      process: expect.stringMatching(/^front/),
    });
    expect(onB.length).toBeGreaterThanOrEqual(onA.length);
  });
});
