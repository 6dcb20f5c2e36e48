import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { repoRoot } from './compose-file.js';

// The compose services' healthcheck command (the Node image has no curl), against a loopback server.
describe('infrastructure/healthcheck.mjs', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer((request, response) => {
      response.statusCode = request.url === '/health' ? 200 : 503;
      response.end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.close();
    await once(server, 'close');
  });

  function exitCode(url: string): Promise<number | null> {
    const child = execFile(process.execPath, [
      fileURLToPath(new URL('infrastructure/healthcheck.mjs', repoRoot)),
      url,
    ]);
    return once(child, 'exit').then(([code]) => code as number | null);
  }

  it('exits 0 when the URL answers 2xx', async () => {
    expect(await exitCode(`${base}/health`)).toBe(0);
  });

  it('exits 1 when the URL answers 5xx', async () => {
    expect(await exitCode(`${base}/other`)).toBe(1);
  });
});
