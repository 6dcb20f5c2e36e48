// `mock-s3 load`: bad flags exit 2 naming the flag, before any request; a short run against an
// embedded server prints the per-operation summary, writes --out files and removes its bucket;
// Ctrl-C stops the load and still prints the summary (exit 130).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { CliIo } from '../../../../tools/cli/main.js';
import { run } from '../../../../tools/cli/main.js';
import { runLoadCommand } from '../../../../tools/load/load-command.js';
import { type EmbeddedServer, s3Client, startEmbeddedServer } from '../../../support/e2e/server.js';

function captureIo(signal?: AbortSignal): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: (text) => {
      out += text;
    },
    stderr: (text) => {
      err += text;
    },
    env: {},
    ...(signal === undefined ? {} : { signal }),
    out: () => out,
    err: () => err,
  };
}

describe('mock-s3 load: bad flags', () => {
  it.each([
    [['--duration', 'soon'], '--duration'],
    [['--duration', '0s'], '--duration'],
    [['--concurrency', '0'], '--concurrency'],
    [['--concurrency', '4', '--rate', '100/s'], '--rate'],
    [['--rate', 'fast'], '--rate'],
    [['--keys', '10', '--concurrency', '16'], '--keys'],
    [['--size', '2KiB..1KiB'], '--size'],
    [['--size', '1GB'], '--size'],
    [['--mix', 'put=40,scan=10'], '--mix'],
    [['--client', 'curl'], '--client'],
    [['--seed', '-1'], '--seed'],
    [['--timeout', 'never'], '--timeout'],
    [['--target', 'not a url'], '--target'],
    [['--bucket', 'No_Such'], '--bucket'],
    [['--client', 'raw', '--max-attempts', '3'], '--max-attempts'],
    [['--bogus'], '--bogus'],
  ])('%j exits 2 naming %s', async (argv, flag) => {
    // Prepare: a target nothing listens on; a usage error must come before any request.
    const io = captureIo();

    // Act
    const code = await run(['load', '--target', 'http://127.0.0.1:9', ...argv], io);

    // Assess
    expect(code).toBe(2);
    // The message itself names the flag (the usage text after it names them all).
    expect(io.err().split('\n')[0]).toContain(flag);
    expect(io.out()).toBe('');
  });
});

describe('mock-s3 load against nothing', () => {
  it('exits 1 naming the target when the bucket cannot be created there', async () => {
    // Prepare
    const io = captureIo();

    // Act
    const code = await run(
      ['load', '--target', 'http://127.0.0.1:9', '--client', 'raw', '--bucket', 'b-1'],
      io,
    );

    // Assess
    expect(code).toBe(1);
    expect(io.err()).toContain('cannot create bucket b-1 at http://127.0.0.1:9: ECONNREFUSED');
    expect(io.out()).toBe('');
  });
});

describe('mock-s3 load against an embedded server', () => {
  let server: EmbeddedServer;
  let outDir: string;

  beforeAll(async () => {
    server = await startEmbeddedServer();
    outDir = await mkdtemp(join(tmpdir(), 'mock-s3-load-'));
  });

  afterAll(async () => {
    await rm(outDir, { recursive: true, force: true });
    await server.stop();
  });

  async function buckets(): Promise<string[]> {
    const client = s3Client(server.endpoint);
    const answer = await client.send(new ListBucketsCommand({}));
    client.destroy();
    return (answer.Buckets ?? []).map((bucket) => bucket.Name ?? '');
  }

  it('prints the per-operation summary of a 2 s run, writes --out, and removes its bucket', async () => {
    // Prepare
    const io = captureIo();
    const status: string[] = [];

    // Act
    const code = await runLoadCommand(
      [
        ...['--target', server.endpoint, '--admin', server.adminEndpoint, '--duration', '2s'],
        ...['--concurrency', '4', '--keys', '100', '--client', 'raw', '--seed', '5', '--out', outDir],
      ],
      io,
      { statusOut: { write: (text) => status.push(text), isTTY: true } },
    );

    // Assess
    expect(io.err()).toBe('');
    expect(code).toBe(0);
    const summary = io.out();
    expect(summary).toContain('raw client, closed loop, concurrency 4');
    expect(summary).toContain('seed 5');
    const all = /\| \*\*all\*\* \| (\d+) \| (\d+) \|/.exec(summary);
    expect(Number(all?.[1])).toBeGreaterThan(0);
    expect(Number(all?.[2])).toBe(0);
    expect(summary).toMatch(/\| put \| [1-9]\d* \|/);
    expect(status.some((line) => line.startsWith('\r[1s/2s]'))).toBe(true);
    const saved = JSON.parse(await readFile(join(outDir, 'load.json'), 'utf8'));
    expect(saved.total.ops).toBe(Number(all?.[1]));
    expect(saved.history).toBeUndefined();
    expect(await readFile(join(outDir, 'summary.md'), 'utf8')).toBe(summary);
    expect((await buckets()).filter((name) => name.startsWith('load-'))).toEqual([]);
  });

  it('stops on Ctrl-C, prints the summary and exits 130', async () => {
    // Prepare
    const controller = new AbortController();
    const io = captureIo(controller.signal);
    const started = performance.now();

    // Act
    const running = runLoadCommand(
      ['--target', server.endpoint, '--duration', '60s', '--concurrency', '2', '--client', 'sdk'],
      io,
      { statusOut: { write: () => undefined } },
    );
    setTimeout(() => controller.abort(), 1000);
    const code = await running;

    // Assess
    expect(code).toBe(130);
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(io.out()).toContain('mock-s3 load (stopped early)');
    expect(io.out()).toContain('sdk client');
  });
});
