// A drill's origin against an embedded server: made, seeded and attached so the drill's bucket
// reads through to it; detached and removed after; and removed by `drill cleanup` when the runner
// that attached it was killed.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListBucketsCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { attachOrigin } from '../../../../../tools/drill/actions/drill-origin.js';
import { cleanupLeftovers } from '../../../../../tools/drill/actions/leftovers.js';
import { inspectTarget } from '../../../../../tools/drill/actions/target.js';
import type { RegistryFile } from '../../../../../tools/drill/actions/undo-registry.js';
import type { TargetInfo } from '../../../../../tools/drill/types.js';
import { createLoadClient } from '../../../../../tools/load/clients/create-client.js';
import { sha256Hex } from '../../../../../tools/load/history.js';
import type { S3LoadClient } from '../../../../../tools/load/types.js';
import { type FaultTarget, startFaultServer } from '../../../../support/e2e/faults.js';

jest.setTimeout(90_000);

let server: FaultTarget;
let target: TargetInfo;
let client: S3LoadClient;

beforeAll(async () => {
  server = await startFaultServer();
  target = await inspectTarget({ target: server.endpoint, admin: server.adminEndpoint });
  client = createLoadClient('raw', server.endpoint);
});
afterAll(async () => {
  await client?.close();
  await server?.close();
});

const origins = (bucket: string) => fetch(`${server.adminEndpoint}/api/v1/origins/${bucket}`);

async function bucketNames(): Promise<string[]> {
  const answer = await server.client.send(new ListBucketsCommand({}));
  return (answer.Buckets ?? []).map((bucket) => bucket.Name ?? '');
}

describe('attachOrigin', () => {
  test('seeds the origin bucket and gives the drill bucket that origin; detach removes both', async () => {
    // Prepare
    const bucket = await server.createBucket('drill-origin');

    // Act
    const origin = await attachOrigin({
      origin: { bucket: '{run}-src', keys: 5, size: { min: 100, max: 100 }, config: { rps: 0 } },
      target,
      runId: bucket,
      bucket,
      keyPrefix: 'run/',
      seed: 3,
      client,
      log: () => undefined,
    });

    // Assess: a key the bucket lacks reads through to the seeded bytes.
    expect(origin.bucket).toBe(`${bucket}-src`);
    expect(origin.objects).toHaveLength(5);
    const read = await server.client.send(new GetObjectCommand({ Bucket: bucket, Key: 'run/k3' }));
    expect(sha256Hex(Buffer.from(await read.Body!.transformToByteArray()))).toBe(origin.objects[3]!.sha256);
    expect((await origins(bucket)).status).toBe(200);

    // Act: the end of the drill.
    const lines = await origin.detach(false);

    // Assess
    expect(lines).toEqual([
      `origin of bucket ${bucket} removed`,
      `origin bucket ${bucket}-src emptied and deleted`,
    ]);
    expect((await origins(bucket)).status).toBe(404);
    expect(await bucketNames()).not.toContain(`${bucket}-src`);
  });

  test("refused by the server's origins API: nothing left attached, the origin bucket removed", async () => {
    // Prepare
    const bucket = await server.createBucket('drill-origin-refused');

    // Act: a body the API refuses (the parser in the drill file is bypassed here).
    const attaching = attachOrigin({
      origin: { bucket: '{run}-src', keys: 2, size: { min: 10, max: 10 }, config: { rps: -1 } },
      target,
      runId: bucket,
      bucket,
      keyPrefix: 'run/',
      seed: 3,
      client,
      log: () => undefined,
    });

    // Assess
    await expect(attaching).rejects.toThrow(/^origin: PUT \/api\/v1\/origins\/.*400/);
    expect((await origins(bucket)).status).toBe(404);
    expect(await bucketNames()).not.toContain(`${bucket}-src`);
  });
});

describe('cleanupLeftovers', () => {
  test('removes the origin a killed runner gave its bucket', async () => {
    // Prepare: an origin attached by hand, and the registry file of a runner that is gone.
    const bucket = await server.createBucket('drill-origin-left');
    const attached = await fetch(`${server.adminEndpoint}/api/v1/origins/${bucket}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ endpoint: server.endpoint, bucket: 'elsewhere' }),
    });
    expect(attached.status).toBe(201);
    const dir = await mkdtemp(join(tmpdir(), 'drill-origin-leftovers-'));
    const file: RegistryFile = {
      pid: 2 ** 22 + 1,
      runId: 'run-killed',
      entries: [{ kind: 'origin', admin: server.adminEndpoint, bucket }],
    };
    await writeFile(join(dir, `${file.pid}-run-killed.origin.json`), JSON.stringify(file));

    try {
      // Act
      const lines = await cleanupLeftovers(() => undefined, { dir });

      // Assess
      expect(lines.join('\n')).toContain(`origin of bucket ${bucket} removed`);
      expect((await origins(bucket)).status).toBe(404);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
