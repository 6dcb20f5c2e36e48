import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { startHttpProbes } from '../../../../tools/drill/http-probes.js';
import type { HttpSample } from '../../../../tools/drill/probes.js';
import type { ProbeSpec } from '../../../../tools/drill/types.js';

// Prepare: a system under test on loopback: healthy, failing, degraded and hanging endpoints.
let server: Server | undefined;
const hanging: ServerResponse[] = [];

async function startSystemUnderTest(): Promise<string> {
  server = createServer((request: IncomingMessage, response: ServerResponse) => {
    if (request.url === '/health') response.end('{"status":"healthy"}');
    else if (request.url === '/degraded') response.end('{"status":"degraded"}');
    else if (request.url === '/fail') {
      response.statusCode = 503;
      response.end('down');
    } else hanging.push(response);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A free port nobody listens on (connections are refused). */
async function closedPort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  probe.close();
  await once(probe, 'close');
  return port;
}

afterEach(async () => {
  for (const response of hanging.splice(0)) response.destroy();
  if (server !== undefined) {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
    server = undefined;
  }
});

const http = (url: string, extra: Partial<Extract<ProbeSpec, { probe: 'http' }>> = {}): ProbeSpec => ({
  probe: 'http',
  url,
  expect_status: 200,
  during: false,
  ...extra,
});

describe('startHttpProbes', () => {
  it('polls each http probe at once and every interval, judging status and body, with time from the load start', async () => {
    // Prepare
    const base = await startSystemUnderTest();
    const refused = await closedPort();
    const specs: ProbeSpec[] = [
      { probe: 'error_rate', max: 0.01, during: false },
      http(`${base}/health`, { expect_body: '"healthy"' }),
      http(`${base}/fail`),
      http(`${base}/degraded`, { expect_body: '"healthy"' }),
      http(`${base}/hang`),
      http(`http://127.0.0.1:${refused}/health`),
    ];
    const seen = new Map<number, HttpSample[]>();
    let allSampled: () => void = () => {};
    const sampledTwice = new Promise<void>((resolve) => {
      allSampled = resolve;
    });
    const startedAtEpochMs = Date.now() - 5000;

    // Act
    const probes = startHttpProbes(specs, startedAtEpochMs, {
      intervalMs: 50,
      timeoutMs: 300,
      onSample: (index, sample) => {
        seen.set(index, [...(seen.get(index) ?? []), sample]);
        if ([1, 2, 3, 4, 5].every((i) => (seen.get(i)?.length ?? 0) >= 2)) allSampled();
      },
    });
    await sampledTwice;
    const samples = probes.stop();

    // Assess
    expect([...samples.keys()].sort()).toEqual([1, 2, 3, 4, 5]);
    const first = (index: number) => samples.get(index)![0]!;
    expect(first(1)).toMatchObject({ status: 200, ok: true, detail: '200' });
    expect(first(2)).toMatchObject({ status: 503, ok: false, detail: '503 (expected 200)' });
    expect(first(3)).toMatchObject({
      status: 200,
      ok: false,
      detail: '200, body does not match /"healthy"/',
    });
    expect(first(4)).toMatchObject({ ok: false, detail: 'no answer within 300ms' });
    expect(first(4).status).toBeUndefined();
    expect(first(5)).toMatchObject({ ok: false, detail: 'no answer: ECONNREFUSED' });
    for (const taken of samples.values()) {
      expect(taken[0]!.t).toBeGreaterThanOrEqual(5000);
      expect(taken[0]!.t).toBeLessThan(65_000);
      expect(taken.map((sample) => sample.t)).toEqual(
        [...taken.map((sample) => sample.t)].sort((a, b) => a - b),
      );
    }
  });

  it('abandons polls still out when stopped', async () => {
    // Prepare
    const base = await startSystemUnderTest();
    const arrived = once(server!, 'request');
    const probes = startHttpProbes([http(`${base}/hang`)], Date.now(), {
      intervalMs: 10_000,
      timeoutMs: 10_000,
    });
    const [request] = (await arrived) as [IncomingMessage];
    const abandoned = once(request.socket, 'close');

    // Act
    const samples = probes.stop();

    // Assess: the hanging poll's connection is closed by the prober, and left no sample.
    await abandoned;
    expect(samples.get(0)).toEqual([]);
  });

  it('starts no timer when the drill has no http probe', () => {
    // Act
    const samples = startHttpProbes([{ probe: 'integrity' }], Date.now()).stop();

    // Assess
    expect(samples.size).toBe(0);
  });
});
