import { describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { CircuitOpenError, HttpConnectionError } from '../../../../shared/http/errors.js';
import { createHttpClient, type HttpClientOptions } from '../../../../shared/http/http-client.js';
import { createHttpClientMetrics } from '../../../../shared/http/metrics.js';
import type { HttpResponse, OutgoingRequest } from '../../../../shared/http/node-transport.js';

const URL_A = 'http://node-a:7001/blobs/x';

type Reply = number | Error;

/** A client over a scripted transport, a fixed random draw and recorded (not slept) backoffs. */
function scripted(replies: Reply[], overrides: Partial<HttpClientOptions> = {}) {
  const sent: OutgoingRequest[] = [];
  const delays: number[] = [];
  const registry = new Registry();
  const metrics = createHttpClientMetrics(registry);
  let now = 0;
  const client = createHttpClient({
    service: 'storage',
    timeoutMs: 1000,
    retries: 3,
    backoff: { baseMs: 100, maxMs: 1000 },
    breaker: { failureThreshold: 10, resetMs: 5000 },
    metrics,
    random: () => 0.5,
    now: () => now,
    sleep: async (ms) => {
      delays.push(ms);
    },
    transport: async (request): Promise<HttpResponse> => {
      sent.push(request);
      const reply = replies.shift() ?? 200;
      if (reply instanceof Error) throw reply;
      return { status: reply, headers: {}, body: Buffer.from(`status ${reply}`) };
    },
    ...overrides,
  });
  const counter = async (name: string) =>
    (await registry.getSingleMetric(name)?.get())?.values.find((v) => v.labels.target === 'node-a:7001')
      ?.value ?? 0;
  return { client, sent, delays, counter, advance: (ms: number) => (now += ms) };
}

const refused = () => new HttpConnectionError('connect ECONNREFUSED', 'node-a:7001');

describe('createHttpClient retries', () => {
  it('retries an idempotent call on 5xx and connection errors, with jittered backoff', async () => {
    // Prepare
    const { client, sent, delays, counter } = scripted([503, refused(), 200]);

    // Act
    const response = await client.request({ method: 'GET', url: URL_A });

    // Assess
    expect(response.status).toBe(200);
    expect(sent).toHaveLength(3);
    expect(delays).toEqual([50, 100]);
    expect(await counter('retry_attempts_total')).toBe(2);
  });

  it('does not retry a POST, whatever the failure', async () => {
    // Prepare
    const { client, sent } = scripted([503]);

    // Act
    const response = await client.request({ method: 'POST', url: URL_A, body: 'task' });

    // Assess
    expect(response.status).toBe(503);
    expect(sent).toHaveLength(1);
  });

  it('does not retry a POST after a connection error either', async () => {
    // Prepare
    const { client, sent } = scripted([refused()]);

    // Act
    const call = client.request({ method: 'POST', url: URL_A });

    // Assess
    await expect(call).rejects.toBeInstanceOf(HttpConnectionError);
    expect(sent).toHaveLength(1);
  });

  it('retries a POST marked idempotent', async () => {
    // Prepare
    const { client, sent } = scripted([500, 200]);

    // Act
    const response = await client.request({ method: 'POST', url: URL_A, idempotent: true });

    // Assess
    expect(response.status).toBe(200);
    expect(sent).toHaveLength(2);
  });

  it('does not retry a 4xx', async () => {
    // Prepare
    const { client, sent } = scripted([404]);

    // Act
    const response = await client.request({ method: 'GET', url: URL_A });

    // Assess
    expect(response.status).toBe(404);
    expect(sent).toHaveLength(1);
  });

  it('returns the last 5xx once the retries are spent', async () => {
    // Prepare
    const { client, sent } = scripted([502, 502, 502, 502, 200]);

    // Act
    const response = await client.request({ method: 'DELETE', url: URL_A });

    // Assess
    expect(response.status).toBe(502);
    expect(sent).toHaveLength(4);
  });

  it('follows retries and timeout changed at run time', async () => {
    // Prepare
    const { client, sent } = scripted([503, 503, 200]);

    // Act
    client.update({ retries: 1, timeoutMs: 250 });
    const response = await client.request({ method: 'GET', url: URL_A });

    // Assess
    expect(response.status).toBe(503);
    expect(sent.map((request) => request.timeoutMs)).toEqual([250, 250]);
  });
});

describe('createHttpClient fault hook', () => {
  it('calls the hook before every attempt; a throw fails that attempt like a real error', async () => {
    // Prepare
    const seen: number[] = [];
    const { client, sent } = scripted([200], {
      faultHook: ({ attempt }) => {
        seen.push(attempt);
        if (attempt === 1) throw new Error('injected http.client fault');
        return undefined;
      },
    });

    // Act
    const response = await client.request({ method: 'GET', url: URL_A });

    // Assess
    expect(response.status).toBe(200);
    expect(seen).toEqual([1, 2]);
    expect(sent).toHaveLength(1);
  });

  it('passes the hook error through when no retry is left', async () => {
    // Prepare
    const injected = new Error('injected http.client fault');
    const { client } = scripted([], {
      retries: 0,
      faultHook: () => {
        throw injected;
      },
    });

    // Act
    const call = client.request({ method: 'GET', url: URL_A });

    // Assess
    await expect(call).rejects.toBe(injected);
  });

  it('takes a response from the hook instead of sending: a 5xx is retried, counted, then sent', async () => {
    // Prepare
    const seen: Array<{ attempt: number; size: number; peer?: string; timeoutMs: number }> = [];
    const { client, sent, counter } = scripted([204], {
      faultHook: ({ attempt, size, peer, timeoutMs }) => {
        seen.push({ attempt, size, ...(peer === undefined ? {} : { peer }), timeoutMs });
        return attempt <= 2 ? { status: 503, headers: {}, body: Buffer.alloc(0) } : undefined;
      },
    });

    // Act
    const response = await client.request({ method: 'PUT', url: URL_A, body: 'abc', peer: 'node-a' });

    // Assess
    expect(response.status).toBe(204);
    expect(sent).toHaveLength(1);
    expect(seen).toEqual([1, 2, 3].map((attempt) => ({ attempt, size: 3, peer: 'node-a', timeoutMs: 1000 })));
    expect(await counter('retry_attempts_total')).toBe(2);
  });

  it('returns a 4xx from the hook to the caller without retrying', async () => {
    // Prepare
    const { client, sent } = scripted([], {
      faultHook: () => ({ status: 404, headers: {}, body: Buffer.from('gone') }),
    });

    // Act
    const response = await client.request({ method: 'GET', url: URL_A });

    // Assess
    expect(response.status).toBe(404);
    expect(response.body.toString()).toBe('gone');
    expect(sent).toHaveLength(0);
  });
});

describe('createHttpClient circuit breaker', () => {
  it('opens per target after consecutive failures and refuses without sending', async () => {
    // Prepare
    const { client, sent, counter } = scripted([500, 500, 200, 200], {
      retries: 0,
      breaker: { failureThreshold: 2, resetMs: 1000 },
    });
    await client.request({ method: 'GET', url: URL_A });
    await client.request({ method: 'GET', url: URL_A });

    // Act
    const refusedCall = client.request({ method: 'GET', url: URL_A });
    const otherTarget = await client.request({ method: 'GET', url: 'http://node-b:7001/health' });

    // Assess
    await expect(refusedCall).rejects.toBeInstanceOf(CircuitOpenError);
    expect(otherTarget.status).toBe(200);
    expect(sent.map((request) => request.url.host)).toEqual(['node-a:7001', 'node-a:7001', 'node-b:7001']);
    expect(client.breakerState('node-a:7001')).toBe('open');
    expect(await counter('circuit_breaker_open_total')).toBe(1);
  });

  it('stops retrying once the breaker opens mid-call', async () => {
    // Prepare
    const { client, sent } = scripted([503, 503, 503, 503], {
      breaker: { failureThreshold: 2, resetMs: 1000 },
    });

    // Act
    const call = client.request({ method: 'GET', url: URL_A });

    // Assess
    await expect(call).rejects.toBeInstanceOf(CircuitOpenError);
    expect(sent).toHaveLength(2);
  });

  it('sends a trial after resetMs and closes on its success', async () => {
    // Prepare
    const { client, advance } = scripted([500, 200], {
      retries: 0,
      breaker: { failureThreshold: 1, resetMs: 1000 },
    });
    await client.request({ method: 'GET', url: URL_A });

    // Act
    advance(1000);
    const trial = await client.request({ method: 'GET', url: URL_A });

    // Assess
    expect(trial.status).toBe(200);
    expect(client.breakerState('node-a:7001')).toBe('closed');
  });
});
