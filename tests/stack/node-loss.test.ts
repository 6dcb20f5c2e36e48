import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { eventually } from '../support/e2e/faults.js';
import { s3Client, type Target, useTarget } from '../support/e2e/server.js';
import { MetadataProbe } from '../support/stack/blobs.js';
import { startLoad, unreadable } from '../support/stack/load.js';
import { isAlive, killPart, pidOf, stackUp } from '../support/stack/processes.js';
import { bucketReplicaCounts, underReplicated } from '../support/stack/replicas.js';
import { type StackEnv, stackEnv } from '../support/stack/stack-env.js';

jest.setTimeout(300_000);

const REQUEST_TIMEOUT_MS = 15_000;
const VICTIM = 'node-2';

let env: StackEnv;
let target: Target;
let probe: MetadataProbe;
let bucket: string;

beforeAll(async () => {
  env = stackEnv();
  target = await useTarget();
  probe = new MetadataProbe(env);
  bucket = await target.createBucket('node-loss');
});

afterAll(async () => {
  // A failed run must not leave the next file a stack with a dead node.
  await stackUp();
  await probe?.close();
  await target?.close();
});

describe(`kill -9 of one storage node (${VICTIM}) under PUT and GET load, R=2`, () => {
  it('keeps every acknowledged object readable, GETs succeeding, and repair restores R replicas', async () => {
    // Prepare
    const client = s3Client(env.endpoint, { requestHandler: { requestTimeout: REQUEST_TIMEOUT_MS } });
    const live = env.nodeIds.filter((node) => node !== VICTIM);
    const load = startLoad({ client, bucket, workers: 4, keyPrefix: 'node-loss' });
    await load.progress(120);

    // Act
    const killedPid = await killPart(env, VICTIM);
    const outageStart = load.now();
    // A killed worker's files stay on disk: they show which blobs had a replica on the victim. (Not
    // "under-replicated right after the kill": upload_completed tasks may already have repaired them.)
    const onVictim = await bucketReplicaCounts(env, probe, bucket, [VICTIM]);
    // While the node is gone its lease lapses, PUTs place on the two live nodes, and the reconcile
    // pass copies the replicas it held onto them.
    const repairedWhileDown = await eventually(
      async () => {
        await load.progress(20);
        return bucketReplicaCounts(env, probe, bucket, live);
      },
      (counts) => underReplicated(counts, env.replicas).length === 0,
      { what: `every blob back to ${env.replicas} replicas on ${live.join(', ')}`, timeoutMs: 120_000 },
    );
    await stackUp();
    const returnedPid = await pidOf(env, VICTIM);
    await load.progress(120);
    const outcomes = await load.stop();
    client.destroy();
    const afterReturn = await eventually(
      () => bucketReplicaCounts(env, probe, bucket),
      (counts) => underReplicated(counts, env.replicas).length === 0,
      { what: `every blob at ${env.replicas} replicas after ${VICTIM} returned`, timeoutMs: 60_000 },
    );
    const lost = await unreadable(target.client, bucket, load.acknowledged);

    // Assess
    const gets = outcomes.filter((outcome) => outcome.op === 'get');
    const getsDuringOutage = gets.filter((outcome) => outcome.at >= outageStart);
    expect(isAlive(killedPid)).toBe(false);
    expect(returnedPid).not.toBe(killedPid);
    // The kill mattered: blobs of this bucket had a replica on the victim.
    expect([...onVictim.values()].filter((count) => count > 0).length).toBeGreaterThan(0);
    expect(underReplicated(repairedWhileDown, env.replicas)).toEqual([]);
    expect(getsDuringOutage.length).toBeGreaterThan(50);
    expect(gets.filter((outcome) => !outcome.ok)).toEqual([]);
    expect(load.acknowledged.size).toBeGreaterThan(100);
    expect(lost).toEqual([]);
    expect(afterReturn.size).toBeGreaterThanOrEqual(load.acknowledged.size);
    expect(underReplicated(afterReturn, env.replicas)).toEqual([]);
  });
});
