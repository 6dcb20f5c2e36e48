import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { eventually } from '../support/e2e/faults.js';
import { s3Client, type Target, useTarget } from '../support/e2e/server.js';
import { blobReplicas, MetadataProbe } from '../support/stack/blobs.js';
import { startLoad } from '../support/stack/load.js';
import { isAlive, killPart, pidOf, stackUp } from '../support/stack/processes.js';
import { type StackEnv, stackEnv } from '../support/stack/stack-env.js';

jest.setTimeout(300_000);

const REQUEST_TIMEOUT_MS = 20_000;
const VICTIM = 'offline-1';

let env: StackEnv;
let target: Target;
let probe: MetadataProbe;
let bucket: string;

beforeAll(async () => {
  env = stackEnv();
  target = await useTarget();
  probe = new MetadataProbe(env);
  bucket = await target.createBucket('offline-kill');
});

afterAll(async () => {
  await stackUp();
  await probe?.close();
  await target?.close();
});

async function listKeys(): Promise<Map<string, number>> {
  const listed = new Map<string, number>();
  let token: string | undefined;
  do {
    const page = await target.client.send(
      new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }),
    );
    for (const entry of page.Contents ?? []) listed.set(entry.Key ?? '', entry.Size ?? -1);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return listed;
}

/** Listed objects whose HEAD, GET or bytes disagree with what the PUT sent. */
async function incomplete(listed: Map<string, number>, sent: ReadonlyMap<string, Buffer>): Promise<string[]> {
  const bad: string[] = [];
  for (const [key, size] of listed) {
    const expected = sent.get(key);
    try {
      const head = await target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      const got = await target.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
      if (expected === undefined) bad.push(`${key}: never sent`);
      else if (!bytes.equals(expected) || size !== expected.length || head.ContentLength !== expected.length)
        bad.push(
          `${key}: listed ${size}, head ${head.ContentLength}, got ${bytes.length}, sent ${expected.length}`,
        );
    } catch (error) {
      bad.push(`${key}: ${(error as Error).name}`);
    }
  }
  return bad;
}

describe(`kill -9 of one serverless-offline instance (${VICTIM}) under PUT load, and its restart`, () => {
  it('leaves no half-visible object and, after a reconcile pass, no unreferenced blob', async () => {
    // Prepare
    const client = s3Client(env.endpoint, { requestHandler: { requestTimeout: REQUEST_TIMEOUT_MS } });
    // Larger bodies: a kill lands mid-upload more often.
    const load = startLoad({
      client,
      bucket,
      workers: 6,
      getShare: 0.1,
      minBytes: 64 * 1024,
      maxBytes: 1024 * 1024,
      keyPrefix: 'offline-kill',
    });
    await load.progress(60);

    // Act
    const killedPid = await killPart(env, VICTIM);
    await load.progress(60);
    await stackUp();
    const restartedPid = await pidOf(env, VICTIM);
    await load.progress(60);
    const outcomes = await load.stop();
    client.destroy();
    const listed = await listKeys();
    const halfVisible = await incomplete(listed, load.attempted);
    // Orphans (a blob written by the killed instance, never committed) go once they are older
    // than the grace period: wait for passes past it.
    const unreferenced = await eventually(
      async () => {
        const [onNodes, referenced] = await Promise.all([blobReplicas(env), probe.referencedBlobs()]);
        return [...onNodes.keys()].filter((blobId) => !referenced.has(blobId));
      },
      (orphans) => orphans.length === 0,
      {
        what: 'every blob file on the nodes referenced by metadata',
        timeoutMs: env.orphanGraceMs + 10 * env.reconcileIntervalMs + 30_000,
        intervalMs: 1000,
      },
    );

    // Assess
    expect(isAlive(killedPid)).toBe(false);
    expect(restartedPid).not.toBe(killedPid);
    expect(outcomes.filter((outcome) => outcome.wrongBytes)).toEqual([]);
    expect(load.acknowledged.size).toBeGreaterThan(100);
    expect([...load.acknowledged.keys()].filter((key) => !listed.has(key))).toEqual([]);
    expect(halfVisible).toEqual([]);
    expect(unreferenced).toEqual([]);
  });
});
