import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { type CliIo, run } from '../../../../tools/cli/main.js';

interface Seen {
  method: string;
  url: string;
  body: unknown;
}

type Reply = { status: number; body: unknown };

// The CLI against a local node:http server standing in for the control plane.
describe('mock-s3 CLI', () => {
  let server: Server;
  let endpoint: string;
  let seen: Seen[];
  let replies: ((request: Seen) => Reply)[];
  let dir: string;

  const readBody = async (request: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  };

  const capture = (signal?: AbortSignal) => {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = {
      stdout: (text) => out.push(text),
      stderr: (text) => err.push(text),
      env: { MOCK_S3_ADMIN: endpoint },
      ...(signal === undefined ? {} : { signal }),
    };
    return { io, out, err };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mock-s3-cli-'));
    server = createServer(async (request, response) => {
      const entry: Seen = { method: request.method!, url: request.url!, body: await readBody(request) };
      seen.push(entry);
      const reply = (replies.shift() ?? (() => ({ status: 200, body: { ok: true } })))(entry);
      response.writeHead(reply.status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(reply.body));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  beforeEach(() => {
    seen = [];
    replies = [];
  });

  afterAll(async () => {
    server.close();
    await once(server, 'close');
    await rm(dir, { recursive: true, force: true });
  });

  it('adds a rule and prints the server answer', async () => {
    // Prepare
    const { io, out } = capture();
    replies.push(() => ({ status: 201, body: { id: 'rule-1' } }));
    // Act
    const code = await run(['rules', 'add', '--type', 'latency', '--ms', '500', '--rate', '0.5'], io);
    // Assess
    expect(code).toBe(0);
    expect(seen).toEqual([
      { method: 'POST', url: '/api/v1/injection/rules', body: { type: 'latency', value_ms: 500, rate: 0.5 } },
    ]);
    expect(JSON.parse(out.join(''))).toEqual({ id: 'rule-1' });
  });

  it('applies a YAML scenario file under its name, or --name', async () => {
    // Prepare
    const file = join(dir, 'slow.yaml');
    await writeFile(file, 'name: slow\nrules:\n  - type: latency\n    value_ms: 5\n');
    // Act
    const byFile = await run(['scenario', 'apply', file], capture().io);
    const byFlag = await run(['scenario', 'apply', file, '--name', 'renamed'], capture().io);
    // Assess
    expect([byFile, byFlag]).toEqual([0, 0]);
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'POST /api/v1/injection/scenarios/slow',
      'POST /api/v1/injection/scenarios/renamed',
    ]);
    expect(seen[0]!.body).toEqual({ rules: [{ type: 'latency', value_ms: 5 }] });
  });

  it('exits 1 with the server message when the control plane refuses', async () => {
    // Prepare
    const { io, err } = capture();
    replies.push(() => ({
      status: 400,
      body: {
        error: { code: 'ValidationError', message: 'value_ms: must be an integer', field: 'value_ms' },
      },
    }));
    // Act
    const code = await run(['rules', 'add', '--type', 'latency', '--ms', '1.5'], io);
    // Assess
    expect(code).toBe(1);
    expect(err.join('')).toContain('400 ValidationError: value_ms: must be an integer');
  });

  it('exits 2 on a usage mistake without calling the server', async () => {
    // Prepare
    const { io, err } = capture();
    // Act
    const code = await run(['rules', 'add', '--colour', 'red'], io);
    // Assess
    expect(code).toBe(2);
    expect(seen).toEqual([]);
    expect(err.join('')).toContain('--colour');
  });

  it('exits 1 when the control plane cannot be reached', async () => {
    // Prepare
    const { io, err } = capture();
    // Act
    const code = await run(['status', '--admin', 'http://127.0.0.1:1'], io);
    // Assess
    expect(code).toBe(1);
    expect(err.join('')).toContain('cannot reach the control plane');
  });

  it('follows the hit log, printing each firing once, until stopped', async () => {
    // Prepare
    const first = { time: 't1', ruleId: 'r1' };
    const second = { time: 't2', ruleId: 'r1' };
    const controller = new AbortController();
    const { io, out } = capture(controller.signal);
    replies.push(
      () => ({ status: 200, body: { events: [first] } }),
      () => ({ status: 200, body: { events: [first, second] } }),
      () => {
        controller.abort();
        return { status: 200, body: { events: [first, second] } };
      },
    );
    // Act
    const code = await run(['events', '--follow', '--rule', 'r1', '--interval', '100'], io);
    // Assess
    expect(code).toBe(0);
    expect(out.map((line) => JSON.parse(line))).toEqual([first, second]);
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen[0]!.url).toBe('/api/v1/injection/events?rule=r1');
  });

  it('refuses a polling interval outside its bounds', async () => {
    // Prepare
    const { io, err } = capture();
    // Act
    const code = await run(['events', '--follow', '--interval', '5'], io);
    // Assess
    expect(code).toBe(2);
    expect(err.join('')).toContain('--interval');
  });
});
