import { describe, expect, it } from '@jest/globals';
import { createFaultEngine } from '../../../../shared/faults/engine.js';
import { InjectedFault } from '../../../../shared/faults/injected-fault.js';
import { HttpConnectionError, HttpTimeoutError } from '../../../../shared/http/errors.js';
import type { HttpFaultRequest } from '../../../../shared/http/http-client.js';
import {
  httpClientFaultHook,
  INJECTED_RULE_HEADER,
} from '../../../../shared/injection/http-client-faults.js';
import { systemClock } from '../../../../shared/runtime/clock.js';

function setup(rule: Record<string, unknown>) {
  const engine = createFaultEngine({ clock: systemClock, enabled: true, maxTtlMs: 3_600_000 });
  const added = engine.addRule({ ttl: '1m', ...rule });
  return { engine, rule: added, hook: httpClientFaultHook(engine, 'storage') };
}

const call = (overrides: Partial<HttpFaultRequest> = {}): HttpFaultRequest => ({
  service: 'storage',
  method: 'PUT',
  url: 'http://127.0.0.1:7001/blobs/abc',
  target: '127.0.0.1:7001',
  peer: 'node-1',
  size: 10,
  timeoutMs: 1000,
  attempt: 1,
  ...overrides,
});

describe('httpClientFaultHook (the http.client point)', () => {
  it('answers in place of the callee for http_status, naming the rule', async () => {
    // Prepare
    const { hook, rule } = setup({
      match: { point: 'http.client', service: 'storage', node: 'node-1', endpoint: 'PUT /blobs/*' },
      fault: { type: 'http_status', status: 503, body: 'busy', headers: { 'Retry-After': '1' } },
    });

    // Act
    const response = await hook(call());

    // Assess
    expect(response?.status).toBe(503);
    expect(response?.body.toString()).toBe('busy');
    expect(response?.headers).toMatchObject({ 'retry-after': '1', [INJECTED_RULE_HEADER]: rule.id });
  });

  it('matches on the callee, the outgoing route and the size: other calls pass untouched', async () => {
    // Prepare
    const { hook, engine } = setup({
      match: { point: 'http.client', node: 'node-2', endpoint: 'GET /blobs/*', maxSize: 5 },
      fault: { type: 'http_status', status: 500 },
    });

    // Act
    const outcomes = await Promise.all([
      hook(call()),
      hook(call({ method: 'GET', peer: 'node-2' })),
      hook(call({ method: 'GET', peer: 'node-2', size: 0 })),
    ]);

    // Assess
    expect(outcomes.map((outcome) => outcome?.status)).toEqual([undefined, undefined, 500]);
    expect(engine.events()).toHaveLength(1);
  });

  it('fails the attempt as a reset connection, with the injected fault as cause', async () => {
    // Prepare
    const { hook } = setup({ match: { point: 'http.client' }, fault: { type: 'reset' } });

    // Act
    const error = await Promise.resolve(hook(call())).catch((thrown: unknown) => thrown);

    // Assess
    expect(error).toBeInstanceOf(HttpConnectionError);
    expect((error as Error).cause).toBeInstanceOf(InjectedFault);
  });

  it('holds a timeout for its ms, then fails the attempt as a timeout', async () => {
    // Prepare
    const { hook } = setup({ match: { point: 'http.client' }, fault: { type: 'timeout', ms: 30 } });
    const started = performance.now();

    // Act
    const error = await Promise.resolve(hook(call())).catch((thrown: unknown) => thrown);

    // Assess
    expect(error).toBeInstanceOf(HttpTimeoutError);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('cuts a held timeout short when its rule is deleted: the attempt fails as a timeout at once', async () => {
    // Prepare
    const { hook, engine, rule } = setup({
      match: { point: 'http.client' },
      fault: { type: 'timeout', ms: 60_000 },
    });
    const started = performance.now();

    // Act
    const attempt = Promise.resolve(hook(call())).catch((error: unknown) => error);
    await Promise.resolve();
    engine.removeRule(rule.id);
    const failure = await attempt;

    // Assess
    expect(failure).toBeInstanceOf(HttpTimeoutError);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('does nothing while the engine is off', async () => {
    // Prepare
    const { hook, engine } = setup({ match: { point: 'http.client' }, fault: { type: 'reset' } });
    engine.disableAll();

    // Act
    const outcome = await hook(call());

    // Assess
    expect(outcome).toBeUndefined();
  });
});
