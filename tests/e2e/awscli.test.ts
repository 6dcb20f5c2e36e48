import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { sdkError } from '../support/e2e/http.js';
import { quotedMd5, uniqueBucketName } from '../support/e2e/payload.js';
import { awsCli, type CliResult, type Target, useTarget } from '../support/e2e/server.js';

jest.setTimeout(120_000);

let target: Target;
let workDir: string;
const small = randomBytes(10_000);

beforeAll(async () => {
  target = await useTarget();
  workDir = await mkdtemp(join(tmpdir(), 'mock-s3-cli-files-'));
  await writeFile(join(workDir, 'small.bin'), small);
  await mkdir(join(workDir, 'folder', 'nested'), { recursive: true });
  await writeFile(join(workDir, 'folder', 'one.txt'), 'one');
  await writeFile(join(workDir, 'folder', 'two.txt'), 'two two');
  await writeFile(join(workDir, 'folder', 'nested', 'three.txt'), 'three three three');
});

afterAll(async () => {
  await target?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

function aws(...args: string[]): Promise<CliResult> {
  return awsCli(args, { endpoint: target.endpoint, cwd: workDir });
}

async function keysOf(bucket: string): Promise<string[]> {
  const page = await target.client.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (page.Contents ?? []).map((o) => o.Key ?? '');
}

describe('aws s3 (high-level commands)', () => {
  it('mb, cp up and down, ls, sync, rm --recursive, rb', async () => {
    // Prepare
    const bucket = uniqueBucketName('cli');
    const downloaded = join(workDir, 'downloaded.bin');

    // Act + Assess, step by step: each command depends on the previous one.
    expect(await aws('s3', 'mb', `s3://${bucket}`)).toMatchObject({ code: 0 });
    expect(
      (await target.client.send(new HeadBucketCommand({ Bucket: bucket }))).$metadata.httpStatusCode,
    ).toBe(200);

    expect(await aws('s3', 'cp', join(workDir, 'small.bin'), `s3://${bucket}/files/small.bin`)).toMatchObject(
      { code: 0 },
    );
    expect(await aws('s3', 'cp', `s3://${bucket}/files/small.bin`, downloaded)).toMatchObject({ code: 0 });
    expect((await readFile(downloaded)).equals(small)).toBe(true);

    const listedRoot = await aws('s3', 'ls', `s3://${bucket}/`);
    expect(listedRoot.code).toBe(0);
    expect(listedRoot.stdout).toMatch(/PRE files\//);
    const listedFiles = await aws('s3', 'ls', `s3://${bucket}/files/`);
    expect(listedFiles.stdout).toMatch(/\s10000 small\.bin/);
    const listedBuckets = await aws('s3', 'ls');
    expect(listedBuckets.stdout).toContain(bucket);

    expect(await aws('s3', 'sync', join(workDir, 'folder'), `s3://${bucket}/synced/`)).toMatchObject({
      code: 0,
    });
    expect(await keysOf(bucket)).toEqual([
      'files/small.bin',
      'synced/nested/three.txt',
      'synced/one.txt',
      'synced/two.txt',
    ]);
    const resync = await aws('s3', 'sync', join(workDir, 'folder'), `s3://${bucket}/synced/`);
    expect(resync).toMatchObject({ code: 0, stdout: '' });

    expect(await aws('s3', 'rm', `s3://${bucket}/`, '--recursive')).toMatchObject({ code: 0 });
    expect(await keysOf(bucket)).toEqual([]);

    expect(await aws('s3', 'rb', `s3://${bucket}`)).toMatchObject({ code: 0 });
    expect((await sdkError(target.client.send(new HeadBucketCommand({ Bucket: bucket })))).status).toBe(404);
  });

  it('sync down reproduces the folder', async () => {
    // Prepare
    const bucket = await target.createBucket('cli-down');
    await aws('s3', 'sync', join(workDir, 'folder'), `s3://${bucket}/tree/`);
    const into = join(workDir, 'synced-down');

    // Act
    const result = await aws('s3', 'sync', `s3://${bucket}/tree/`, into);

    // Assess
    expect(result).toMatchObject({ code: 0 });
    expect(await readFile(join(into, 'nested', 'three.txt'), 'utf8')).toBe('three three three');
    expect(await readFile(join(into, 'two.txt'), 'utf8')).toBe('two two');
  });

  it('rb on a missing bucket fails with NoSuchBucket', async () => {
    // Act
    const result = await aws('s3', 'rb', `s3://${uniqueBucketName('cli-missing')}`);

    // Assess
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('NoSuchBucket');
  });
});

describe('aws s3api', () => {
  it('head-object reports size, ETag and metadata as JSON', async () => {
    // Prepare
    const bucket = await target.createBucket('cli-api');
    await aws(
      's3api',
      'put-object',
      '--bucket',
      bucket,
      '--key',
      'doc.bin',
      '--body',
      join(workDir, 'small.bin'),
      '--content-type',
      'application/x-doc',
      '--metadata',
      'team=chaos',
    );

    // Act
    const result = await aws(
      's3api',
      'head-object',
      '--bucket',
      bucket,
      '--key',
      'doc.bin',
      '--output',
      'json',
    );

    // Assess
    expect(result).toMatchObject({ code: 0 });
    expect(JSON.parse(result.stdout)).toMatchObject({
      ContentLength: 10_000,
      ETag: quotedMd5(small),
      ContentType: 'application/x-doc',
      Metadata: { team: 'chaos' },
    });
  });

  it('head-object on a missing key fails with 404', async () => {
    // Prepare
    const bucket = await target.createBucket('cli-api');

    // Act
    const result = await aws('s3api', 'head-object', '--bucket', bucket, '--key', 'absent');

    // Assess
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/404|Not Found/);
  });

  it('list-objects-v2 output parses as JSON with the uploaded keys', async () => {
    // Prepare
    const bucket = await target.createBucket('cli-api');
    await aws('s3', 'cp', join(workDir, 'folder'), `s3://${bucket}/`, '--recursive');

    // Act
    // --no-paginate: aws-cli's paginator drops non-aggregated fields such as KeyCount.
    const result = await aws(
      's3api',
      'list-objects-v2',
      '--bucket',
      bucket,
      '--output',
      'json',
      '--no-paginate',
    );

    // Assess
    expect(result).toMatchObject({ code: 0 });
    const listed = JSON.parse(result.stdout) as {
      KeyCount: number;
      Contents: { Key: string; Size: number }[];
    };
    expect(listed.KeyCount).toBe(3);
    expect(listed.Contents.map((c) => [c.Key, c.Size])).toEqual([
      ['nested/three.txt', 17],
      ['one.txt', 3],
      ['two.txt', 7],
    ]);
  });
});
