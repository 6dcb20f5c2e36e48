import { createHash, randomBytes } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { checkIntegrity } from '../../tools/drill/integrity/checker.js';
import { readBack } from '../../tools/drill/integrity/read-back.js';
import type { Firing } from '../../tools/drill/types.js';
import type {
  DeleteRecord,
  GetAnswer,
  ListAnswer,
  S3LoadClient,
  WriteRecord,
} from '../../tools/load/types.js';
import { type FaultTarget, startFaultServer } from '../support/e2e/faults.js';

// The drill's final check against a real embedded server: the read-back's GETs and paginated
// listing, and the checker judging what they return (no violations from a correct store; lost
// writes, with their rule, when every replica write vanishes after it is acknowledged).
jest.setTimeout(90_000);

let target: FaultTarget;

beforeAll(async () => {
  target = await startFaultServer();
});

afterAll(async () => {
  await target?.close();
});

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const failed = (error: unknown) =>
  error as { name: string; $metadata?: { httpStatusCode?: number; requestId?: string } };
const notUsed = (): never => {
  throw new Error('not used by the read-back');
};

/** The two calls the read-back makes, over the AWS SDK, as an S3LoadClient answers them. */
function sdkReadClient(client: S3Client): S3LoadClient {
  return {
    kind: 'sdk',
    async getObject(bucket, key): Promise<GetAnswer> {
      try {
        const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        const body = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
        return { ok: true, status: 200, body, requestIds: [got.$metadata.requestId!], attempts: 1 };
      } catch (error) {
        const { name, $metadata } = failed(error);
        return {
          ok: false,
          status: $metadata?.httpStatusCode,
          errorCode: name,
          requestIds: $metadata?.requestId ? [$metadata.requestId] : [],
          attempts: 1,
        };
      }
    },
    async listObjects(bucket, prefix, continuationToken): Promise<ListAnswer> {
      // Pages of 3 keys: the read-back must follow continuation tokens to the end.
      const page = await client.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix,
          ContinuationToken: continuationToken,
          MaxKeys: 3,
        }),
      );
      return {
        ok: true,
        status: 200,
        keys: (page.Contents ?? []).map((object) => object.Key!),
        requestIds: [page.$metadata.requestId!],
        attempts: 1,
        ...(page.NextContinuationToken ? { nextContinuationToken: page.NextContinuationToken } : {}),
      };
    },
    putObject: async () => notUsed(),
    headObject: async () => notUsed(),
    deleteObject: async () => notUsed(),
    copyObject: async () => notUsed(),
    multipartUpload: async () => notUsed(),
    createBucket: async () => notUsed(),
    emptyAndDeleteBucket: async () => notUsed(),
    close: async () => {},
  };
}

/** Writes and deletes through the SDK, recording the history as the load generator does. */
function historian(bucket: string) {
  const startedAt = performance.now();
  const now = () => performance.now() - startedAt;
  const writes: WriteRecord[] = [];
  const deletes: DeleteRecord[] = [];
  return {
    writes,
    deletes,
    async put(key: string, body: Buffer) {
      const startedAtMs = now();
      const answer = await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
      writes.push({
        key,
        sha256: sha256(body),
        startedAtMs,
        endedAtMs: now(),
        acked: true,
        requestIds: [answer.$metadata.requestId!],
        operation: 'put',
      });
    },
    async delete(key: string) {
      const startedAtMs = now();
      const answer = await target.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      deletes.push({
        key,
        startedAtMs,
        endedAtMs: now(),
        acked: true,
        requestIds: [answer.$metadata.requestId!],
      });
    },
  };
}

describe('the drill final check against an embedded server', () => {
  it('finds nothing wrong with a correct store: overwrites, deletes and a paginated listing', async () => {
    // Prepare
    const bucket = await target.createBucket('drill-ok');
    const history = historian(bucket);
    const keys = Array.from({ length: 8 }, (_, i) => `run-1/k${i}`);
    for (const key of keys) await history.put(key, randomBytes(512));
    await history.put('run-1/k0', randomBytes(256));
    await history.delete('run-1/k7');

    // Act
    const result = await readBack(sdkReadClient(target.client), bucket, 'run-1/', keys);
    const report = checkIntegrity(
      { writes: history.writes, deletes: history.deletes, reads: [] },
      result,
      [],
    );

    // Assess
    expect(result.listingError).toBeUndefined();
    expect(result.listingRequestIds).toHaveLength(3);
    expect([...result.listed].sort()).toEqual(keys.slice(0, 7));
    expect(result.objects.get('run-1/k7')).toMatchObject({ sha256: null });
    expect(result.objects.get('run-1/k0')).toMatchObject({ sha256: history.writes.at(-1)!.sha256 });
    expect(report.violations).toEqual([]);
    expect(report.unverifiable).toEqual([]);
  });

  it('reports every write that vanished after it was acknowledged as lost, with its key and rule', async () => {
    // Prepare: stale_replica at node.write on every node: each replica write acknowledged, none stored.
    const bucket = await target.createBucket('drill-lost');
    const history = historian(bucket);
    await history.put('run-2/kept', randomBytes(512));
    const rule = await target.faults.addRule({
      match: { service: 'storage-node', point: 'node.write', bucket },
      fault: { type: 'stale_replica' },
    });
    const lostKeys = ['run-2/a', 'run-2/b', 'run-2/c'];
    for (const key of lostKeys) await history.put(key, randomBytes(512));
    // The drill's rollback comes before its final check.
    await target.faults.removeRule(rule.id);
    const firings: Firing[] = (await target.faults.events({ rule: rule.id })).map((event) => ({
      ruleId: event.ruleId,
      point: event.point,
      type: event.type,
      ...(event.requestId === undefined ? {} : { requestId: event.requestId }),
      atMs: 0,
      raw: { ...event },
    }));

    // Act
    const result = await readBack(
      sdkReadClient(target.client),
      bucket,
      'run-2/',
      ['run-2/kept', ...lostKeys],
      {
        retryDelaysMs: [100],
      },
    );
    const report = checkIntegrity({ writes: history.writes, deletes: [], reads: [] }, result, firings);

    // Assess
    expect(report.violations.map(({ kind, key }) => ({ kind, key }))).toEqual(
      lostKeys.map((key) => ({ kind: 'lost', key })),
    );
    for (const violation of report.violations) {
      expect(violation.rules).toEqual([rule.id]);
      expect(violation.detail).toMatch(/read back after recovery: 503 ServiceUnavailable/);
    }
    expect(report.unverifiable).toEqual([]);
  });
});
