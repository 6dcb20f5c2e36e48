import { randomBytes } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { type FaultTarget, NODE_IDS, startFaultServer } from '../../support/e2e/faults.js';

jest.setTimeout(120_000);

let target: FaultTarget;
let bucket: string;

beforeAll(async () => {
  target = await startFaultServer();
  bucket = await target.createBucket('views');
});

afterEach(async () => {
  await target.faults.reset();
});

afterAll(async () => {
  await target?.close();
});

/** GET on the admin endpoint; the body parsed as JSON. */
async function view<T = Record<string, unknown>>(path: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${target.adminEndpoint}${path}`, { signal: AbortSignal.timeout(15_000) });
  return { status: response.status, body: (await response.json()) as T };
}

/** Whether a client call was served or failed (the assertions come after the events are read). */
function outcomeOf(call: Promise<unknown>): Promise<'served' | 'failed'> {
  return call.then(
    () => 'served',
    () => 'failed',
  );
}

interface ReplicasView {
  blobs: { holders: number; replicas: { node: string; state: string }[] }[];
}

describe('control-plane views read through no fault point', () => {
  it('the replicas view spends no node.read rule, logs no hit, and reports the replicas as they are', async () => {
    // Prepare
    const body = randomBytes(16 * 1024);
    await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'replicas', Body: body }));
    const rules = await Promise.all(
      NODE_IDS.map((node) =>
        target.faults.addRule({
          match: { service: 'storage-node', point: 'node.read', node },
          fault: { type: 'io_error', op: 'read', errno: 'EIO' },
          times: 1,
        }),
      ),
    );

    // Act
    const replicas = await view<ReplicasView>(`/api/v1/storage/replicas/${bucket}/replicas`);
    const eventsAfterView = await target.faults.events({ point: 'node.read' });
    // The test client makes one attempt: a retry would be served once the rules are spent.
    const clientGet = await outcomeOf(
      target.client.send(new GetObjectCommand({ Bucket: bucket, Key: 'replicas' })),
    );

    // Assess
    expect(replicas.status).toBe(200);
    const [blob] = replicas.body.blobs;
    expect(blob!.holders).toBe(2);
    const held = blob!.replicas.filter((replica) => replica.state !== 'missing');
    expect(held.map((replica) => replica.state)).toEqual(['verified', 'verified']);
    expect(eventsAfterView).toEqual([]);
    // Every replica the client reads still meets its rule: the GET fails.
    expect(clientGet).toBe('failed');
    const firings = await target.faults.events({ point: 'node.read' });
    expect(firings.every((firing) => firing.operation === 'GetObject')).toBe(true);
    const holderRules = rules.filter((rule) => held.some((replica) => replica.node === rule.match.node));
    expect(firings.map((firing) => firing.ruleId)).toEqual(
      expect.arrayContaining(holderRules.map((rule) => rule.id)),
    );
  });

  it('metadata, storage, async and admin views spend no db.query or cache.get rule', async () => {
    // Prepare
    await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'records', Body: 'x' }));
    const dbRule = await target.faults.addRule({
      match: { service: 'metadata', point: 'db.query' },
      fault: { type: 'db_error', sqlstate: '57014' },
      times: 1,
    });
    const cacheRule = await target.faults.addRule({
      match: { service: 'metadata', point: 'cache.get' },
      fault: { type: 'cache_miss' },
    });

    // Act
    const answers = await Promise.all(
      [
        '/api/v1/metadata/buckets',
        `/api/v1/metadata/buckets/${bucket}`,
        `/api/v1/metadata/buckets/${bucket}/objects`,
        `/api/v1/metadata/buckets/${bucket}/objects/records`,
        `/api/v1/storage/replicas/${bucket}/records`,
        '/api/v1/storage/nodes',
        '/api/v1/async/queue',
        '/api/v1/admin/stats',
        '/api/v1/config',
      ].map(async (path) => ({ path, status: (await view(path)).status })),
    );
    const ruleIds = [dbRule.id, cacheRule.id];
    const firingsOf = async () =>
      (await target.faults.events()).filter((firing) => ruleIds.includes(firing.ruleId));
    const eventsAfterViews = await firingsOf();
    const clientHead = await outcomeOf(
      target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'records' })),
    );

    // Assess
    expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
    expect(eventsAfterViews).toEqual([]);
    expect(clientHead).toBe('failed');
    const firings = (await firingsOf()).map((firing) => firing.ruleId);
    expect(firings).toContain(dbRule.id);
    expect(firings).toContain(cacheRule.id);
  });
});
