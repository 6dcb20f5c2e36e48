import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { sdkError } from '../support/e2e/http.js';
import { uniqueBucketName } from '../support/e2e/payload.js';
import { awsCli, type CliResult, type Target, useTarget } from '../support/e2e/server.js';

jest.setTimeout(120_000);

let target: Target;
let workDir: string;

beforeAll(async () => {
  target = await useTarget();
  workDir = await mkdtemp(join(tmpdir(), 'mock-s3-versioning-cli-'));
  await writeFile(join(workDir, 'one.txt'), 'version one');
  await writeFile(join(workDir, 'two.txt'), 'version two');
});

afterAll(async () => {
  await target?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

function aws(...args: string[]): Promise<CliResult> {
  return awsCli(args, { endpoint: target.endpoint, cwd: workDir });
}

/** The JSON an `aws s3api` command printed; fails with its stderr when it did not succeed. */
async function json(...args: string[]): Promise<Record<string, unknown>> {
  const result = await aws('s3api', ...args);
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  return result.stdout.trim() === '' ? {} : (JSON.parse(result.stdout) as Record<string, unknown>);
}

describe('aws s3api versioning', () => {
  it('put-bucket-versioning, put-object twice, list-object-versions, get-object and delete-object by --version-id', async () => {
    // Prepare
    const bucket = await target.createBucket('ver-cli');

    // Act + Assess, step by step: each command depends on the previous one.
    await json('put-bucket-versioning', '--bucket', bucket, '--versioning-configuration', 'Status=Enabled');
    expect(await json('get-bucket-versioning', '--bucket', bucket)).toEqual({ Status: 'Enabled' });

    const one = await json('put-object', '--bucket', bucket, '--key', 'doc.txt', '--body', 'one.txt');
    const two = await json('put-object', '--bucket', bucket, '--key', 'doc.txt', '--body', 'two.txt');
    expect(one.VersionId).toEqual(expect.any(String));
    expect(two.VersionId).not.toBe(one.VersionId);

    const listed = await json('list-object-versions', '--bucket', bucket);
    expect(listed.Versions).toEqual([
      expect.objectContaining({ Key: 'doc.txt', VersionId: two.VersionId, IsLatest: true, Size: 11 }),
      expect.objectContaining({ Key: 'doc.txt', VersionId: one.VersionId, IsLatest: false, Size: 11 }),
    ]);

    const read = await json(
      'get-object',
      '--bucket',
      bucket,
      '--key',
      'doc.txt',
      '--version-id',
      String(one.VersionId),
      'got.txt',
    );
    expect(read.VersionId).toBe(one.VersionId);
    expect(await readFile(join(workDir, 'got.txt'), 'utf8')).toBe('version one');

    const marker = await json('delete-object', '--bucket', bucket, '--key', 'doc.txt');
    expect(marker).toEqual({ DeleteMarker: true, VersionId: expect.any(String) });
    expect(
      await sdkError(target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'doc.txt' }))),
    ).toEqual({
      name: 'NotFound',
      status: 404,
    });

    const removed = await json(
      'delete-object',
      '--bucket',
      bucket,
      '--key',
      'doc.txt',
      '--version-id',
      String(marker.VersionId),
    );
    expect(removed).toEqual({ DeleteMarker: true, VersionId: marker.VersionId });
    const back = await target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'doc.txt' }));
    expect(back.VersionId).toBe(two.VersionId);

    const gone = await json(
      'delete-object',
      '--bucket',
      bucket,
      '--key',
      'doc.txt',
      '--version-id',
      String(one.VersionId),
    );
    expect(gone).toEqual({ VersionId: one.VersionId });
    const after = await target.client.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    expect(after.Versions?.map((v) => v.VersionId)).toEqual([two.VersionId]);
    expect(after.DeleteMarkers).toBeUndefined();
  });

  it('answers a MalformedXML for a status S3 does not know', async () => {
    // Prepare
    const bucket = await target.createBucket('ver-cli');

    // Act
    const refused = await aws(
      's3api',
      'put-bucket-versioning',
      '--bucket',
      bucket,
      '--versioning-configuration',
      'Status=Disabled',
    );

    // Assess
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('MalformedXML');
  });
});

describe('boto3', () => {
  it('versions through put_bucket_versioning, put_object, list_object_versions, get_object, delete_object and a paginator', async () => {
    // Prepare
    const bucket = uniqueBucketName('ver-boto3');
    const script = join(import.meta.dirname, '../support/boto3/versioning.py');

    // Act
    const child = spawn('/usr/bin/python3', [script, target.endpoint, bucket], {
      env: { PATH: process.env.PATH, HOME: workDir, AWS_EC2_METADATA_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    const stdout = Buffer.concat(out).toString('utf8');

    // Assess
    expect({ code, stdout, stderr: Buffer.concat(err).toString('utf8') }).toMatchObject({ code: 0 });
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, seen: { pages: 5, entries: 9 } });
  });
});
