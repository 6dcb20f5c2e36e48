import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { INJECTION_POINTS } from '../../../../shared/faults/rule.js';
import { type ControlClient, createControlClient } from './support.js';

const HALF_SLOW_WRITE = {
  service: 's3-api',
  endpoint: 'PUT /:bucket/:key',
  type: 'latency',
  value_ms: 500,
  rate: 0.5,
  ttl: '5m',
  scenario: 'half_slow_write',
};

// The injection function through its real Middy pipeline, over in-memory adapters.
describe('injection control API', () => {
  let client: ControlClient;
  const call: ControlClient['call'] = (...args) => client.call(...args);

  beforeAll(async () => {
    client = await createControlClient();
  });

  beforeEach(async () => {
    client.unit.runtime.faults.enable();
    client.unit.runtime.faults.setConfigSwitch(undefined);
    await call('DELETE', '/rules');
  });

  afterAll(async () => {
    await client.unit.runtime.close();
  });

  describe('rules', () => {
    it('accepts the README example verbatim and answers 201 with the canonical rule', async () => {
      // Act
      const created = await call('POST', '/rules', JSON.stringify(HALF_SLOW_WRITE));
      // Assess
      expect(created.status).toBe(201);
      expect(created.headers['content-type']).toBe('application/json');
      expect(created.body).toMatchObject({
        scenario: 'half_slow_write',
        enabled: true,
        priority: 0,
        match: { service: 's3-api', point: 'http.server', endpoint: 'PUT /:bucket/:key' },
        fault: { type: 'latency', ms: 500 },
        rate: 0.5,
        after: 0,
        every: 1,
        ttl: '5m',
        hits: 0,
      });
      const { createdAt, expiresAt, id } = created.body;
      expect(Date.parse(expiresAt) - Date.parse(createdAt)).toBe(5 * 60_000);
      const fetched = await call('GET', `/rules/${id}`);
      expect(fetched.status).toBe(200);
      expect(fetched.body).toEqual(created.body);
    });

    it('lists rules, filtered by scenario', async () => {
      // Prepare
      await call('POST', '/rules', HALF_SLOW_WRITE);
      await call('POST', '/rules', { type: 's3_error', code: 'SlowDown', scenario: 'other' });
      // Act
      const all = await call('GET', '/rules');
      const filtered = await call('GET', '/rules', undefined, 'scenario=other');
      // Assess
      expect(all.body.rules).toHaveLength(2);
      expect(filtered.body.rules.map((r: { scenario: string }) => r.scenario)).toEqual(['other']);
    });

    it('refuses a body that is not JSON', async () => {
      // Act
      const answer = await call('POST', '/rules', '{"service": "s3-api",');
      // Assess
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('MalformedJSON');
    });

    it.each([
      [{ ...HALF_SLOW_WRITE, colour: 'red' }, 'colour'],
      [{ ...HALF_SLOW_WRITE, match: { point: 'http.server' } }, 'match'],
      [{ ...HALF_SLOW_WRITE, value_ms: -1 }, 'value_ms'],
      [{ fault: { type: 'latency' } }, 'fault.ms'],
      [{ fault: { type: 'reset' }, match: { point: 'db.query' } }, 'fault.type'],
      [{ fault: { type: 'latency', ms: 1 }, ttl: '48h' }, 'ttl'],
      [[HALF_SLOW_WRITE], 'body'],
    ])('refuses %j with a 400 naming %s', async (body, field) => {
      // Act
      const answer = await call('POST', '/rules', body);
      // Assess
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({ code: 'ValidationError', field });
      expect(answer.body.error.message).toContain(field);
    });

    it('answers 409 for an id already taken', async () => {
      // Prepare
      const rule = { id: 'slow-writes-1', fault: { type: 'latency', ms: 10 } };
      await call('POST', '/rules', rule);
      // Act
      const again = await call('POST', '/rules', rule);
      // Assess
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('Conflict');
    });

    it('patches, removes, and answers 404 for an unknown id', async () => {
      // Prepare
      const { body: rule } = await call('POST', '/rules', HALF_SLOW_WRITE);
      // Act
      const patched = await call('PATCH', `/rules/${rule.id}`, { rate: 1, enabled: false });
      const badPatch = await call('PATCH', `/rules/${rule.id}`, { rate: 2 });
      const removed = await call('DELETE', `/rules/${rule.id}`);
      const gone = await call('GET', `/rules/${rule.id}`);
      const patchGone = await call('PATCH', `/rules/${rule.id}`, { rate: 1 });
      const removeGone = await call('DELETE', `/rules/${rule.id}`);
      // Assess
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ id: rule.id, rate: 1, enabled: false });
      expect(badPatch.status).toBe(400);
      expect(badPatch.body.error.field).toBe('rate');
      expect(removed).toMatchObject({ status: 200, body: { removed: 1 } });
      expect([gone.status, patchGone.status, removeGone.status]).toEqual([404, 404, 404]);
      expect(gone.body.error.code).toBe('NotFound');
    });

    it('removes every rule with DELETE /rules', async () => {
      // Prepare
      await call('POST', '/rules', HALF_SLOW_WRITE);
      await call('POST', '/rules', HALF_SLOW_WRITE);
      // Act
      const cleared = await call('DELETE', '/rules');
      // Assess
      expect(cleared.body).toEqual({ removed: 2 });
      expect((await call('GET', '/rules')).body.rules).toEqual([]);
    });
  });

  describe('scenarios', () => {
    const file = {
      rules: [
        { service: 's3-api', operation: 'GetObject', type: 's3_error', code: 'SlowDown', rate: 0.1 },
        { match: { point: 'http.server', bucket: 'photos' }, fault: { type: 'latency', ms: 50 } },
      ],
    };

    it('applies a scenario file with stable ids, replacing it on a second apply', async () => {
      // Act
      const first = await call('POST', '/scenarios/flaky-gets', file);
      const second = await call('POST', '/scenarios/flaky-gets', file);
      // Assess
      expect(first.status).toBe(201);
      expect(second.body.rules.map((r: { id: string }) => r.id)).toEqual(['flaky-gets.1', 'flaky-gets.2']);
      expect(second.body.rules.every((r: { scenario: string }) => r.scenario === 'flaky-gets')).toBe(true);
      const scenarios = await call('GET', '/scenarios');
      expect(scenarios.body.scenarios).toEqual([
        expect.objectContaining({ name: 'flaky-gets', rules: 2, enabledRules: 2 }),
      ]);
    });

    it('refuses a file with a bad rule, naming it, and changes nothing', async () => {
      // Prepare
      const bad = { rules: [file.rules[0], { fault: { type: 'latency', ms: -5 } }] };
      // Act
      const answer = await call('POST', '/scenarios/flaky-gets', bad);
      // Assess
      expect(answer.status).toBe(400);
      expect(answer.body.error.field).toBe('rules[1].fault.ms');
      expect((await call('GET', '/rules')).body.rules).toEqual([]);
    });

    it('deactivates and re-activates a scenario with a new TTL', async () => {
      // Prepare
      await call('POST', '/scenarios/flaky-gets', file);
      // Act
      const off = await call('POST', '/scenarios/flaky-gets/deactivate');
      const on = await call('POST', '/scenarios/flaky-gets/activate', { ttl: '30s' });
      // Assess
      expect(off.status).toBe(200);
      expect(off.body.rules.map((r: { enabled: boolean }) => r.enabled)).toEqual([false, false]);
      expect(on.status).toBe(200);
      for (const rule of on.body.rules) {
        expect(rule).toMatchObject({ enabled: true, ttl: '30s' });
      }
    });

    it('answers 404 for an unknown scenario and 400 for a bad activation', async () => {
      // Prepare
      await call('POST', '/scenarios/flaky-gets', file);
      // Act
      const unknown = await call('POST', '/scenarios/nothing/activate');
      const badTtl = await call('POST', '/scenarios/flaky-gets/activate', { ttl: 'soon' });
      const badField = await call('POST', '/scenarios/flaky-gets/activate', { until: '5m' });
      // Assess
      expect(unknown.status).toBe(404);
      expect(badTtl.body.error.field).toBe('ttl');
      expect(badField.body.error.field).toBe('until');
    });

    it('removes a scenario file', async () => {
      // Prepare
      await call('POST', '/scenarios/flaky-gets', file);
      await call('POST', '/rules', HALF_SLOW_WRITE);
      // Act
      const removed = await call('DELETE', '/scenarios/flaky-gets');
      const again = await call('DELETE', '/scenarios/flaky-gets');
      // Assess
      expect(removed.body).toEqual({ scenario: 'flaky-gets', removed: 2 });
      expect(again.status).toBe(404);
      expect((await call('GET', '/rules')).body.rules).toHaveLength(1);
    });
  });

  describe('presets', () => {
    it('lists the ten presets', async () => {
      // Act
      const answer = await call('GET', '/presets');
      // Assess
      expect(answer.body.presets.map((p: { name: string }) => p.name)).toEqual([
        'flaky-network',
        'slow-disk',
        'node-loss',
        'throttling',
        'disk-full',
        'corruption',
        'queue-chaos',
        'origin-outage',
        'origin-slow',
        'origin-dirty',
      ]);
    });

    it('scopes an origin preset to one bucket with the bucket option, and refuses a bucket that is no name', async () => {
      // Act
      const scoped = await call('POST', '/presets/origin-slow/activate', { bucket: 'archive', ttl: '1m' });
      const everywhere = await call('POST', '/presets/origin-outage/activate', {});
      const bad = await call('POST', '/presets/origin-dirty/activate', { bucket: 'no/slash' });
      const unused = await call('POST', '/presets/slow-disk/activate', { bucket: 'archive' });
      // Assess
      expect(scoped.status).toBe(200);
      expect(scoped.body.rules.map((rule: { match: unknown }) => rule.match)).toEqual([
        { service: 'origin', point: 'origin.fetch.before', bucket: 'archive' },
        { service: 'origin', point: 'origin.fetch.after', bucket: 'archive' },
      ]);
      expect(everywhere.body.rules[0].match).toEqual({ service: 'origin', point: 'origin.fetch.before' });
      expect(bad.status).toBe(400);
      expect(bad.body.error.field).toBe('bucket');
      expect(unused.status).toBe(400);
      expect(unused.body.error.field).toBe('bucket');
    });

    it('activates a preset with options, as rules tagged with its name', async () => {
      // Act
      const answer = await call('POST', '/presets/node-loss/activate', { node: 'node-2', ttl: '1m' });
      // Assess
      expect(answer.status).toBe(200);
      expect(answer.body.rules).toHaveLength(3);
      for (const rule of answer.body.rules) {
        expect(rule).toMatchObject({ scenario: 'node-loss', ttl: '1m', match: { node: 'node-2' } });
      }
    });

    it('answers 404 for an unknown preset and 400 for an option it does not use', async () => {
      // Act
      const unknown = await call('POST', '/presets/meteor/activate');
      const badOption = await call('POST', '/presets/throttling/activate', { node: 'node-2' });
      // Assess
      expect(unknown.status).toBe(404);
      expect(badOption.status).toBe(400);
      expect(badOption.body.error.field).toBe('node');
    });
  });

  describe('switches', () => {
    it('kill switch: clears every rule and status says why; enable turns the engine back on', async () => {
      // Prepare
      client.unit.runtime.faults.setConfigSwitch(true);
      await call('POST', '/rules', HALF_SLOW_WRITE);
      // Act
      const killed = await call('POST', '/disable-all');
      const status = await call('GET', '/status');
      const enabled = await call('POST', '/enable');
      // Assess
      expect(killed.status).toBe(200);
      expect(status.body).toMatchObject({
        enabled: false,
        reason: 'kill_switch',
        killSwitch: true,
        rules: 0,
      });
      expect(enabled.body).toMatchObject({ enabled: true, reason: 'config', killSwitch: false });
    });

    it('reports the engine off by default (FAULTS_ENABLED unset), rules still manageable', async () => {
      // Act
      const created = await call('POST', '/rules', HALF_SLOW_WRITE);
      const status = await call('GET', '/status');
      // Assess
      expect(created.status).toBe(201);
      expect(status.body).toMatchObject({
        enabled: false,
        reason: 'env',
        env: false,
        rules: 1,
        scenarios: 1,
      });
    });
  });

  describe('hit log and dry run', () => {
    const putEvent = (requestId: string) => ({
      service: 's3-api' as const,
      point: 'http.server' as const,
      method: 'PUT',
      path: '/photos/2024/a.jpg',
      requestId,
    });

    it('lists firings filtered by rule, scenario, request id, point and limit', async () => {
      // Prepare
      const engine = client.unit.runtime.faults;
      engine.setConfigSwitch(true);
      await call('POST', '/rules', { ...HALF_SLOW_WRITE, rate: 1, scenario: 'a' });
      const { body: other } = await call('POST', '/rules', {
        match: { endpoint: 'PUT /*' },
        fault: { type: 'latency', ms: 1 },
        scenario: 'b',
      });
      engine.evaluate(putEvent('req-1'));
      engine.evaluate(putEvent('req-2'));
      // Act
      const byScenario = await call('GET', '/events', undefined, 'scenario=a');
      const byRule = await call('GET', '/events', undefined, `rule=${other.id}`);
      const byRequest = await call('GET', '/events', undefined, 'request_id=req-2');
      const limited = await call('GET', '/events', undefined, 'limit=1&point=http.server');
      const badPoint = await call('GET', '/events', undefined, 'point=disk');
      // Assess
      expect(byScenario.body.events.map((f: { requestId: string }) => f.requestId)).toEqual([
        'req-1',
        'req-2',
      ]);
      expect(byRule.body.events.every((f: { ruleId: string }) => f.ruleId === other.id)).toBe(true);
      expect(byRule.body.events).toHaveLength(2);
      expect(byRequest.body.events).toHaveLength(2);
      expect(limited.body.events).toEqual([expect.objectContaining({ requestId: 'req-2' })]);
      expect(badPoint.body.error.field).toBe('point');
    });

    it('accepts a limit as large as the hit log keeps, and refuses a larger one naming the maximum', async () => {
      // Prepare: one firing more than the log keeps (the documented 1000)
      const engine = client.unit.runtime.faults;
      engine.setConfigSwitch(true);
      await call('POST', '/rules', { match: { endpoint: 'PUT /*' }, fault: { type: 'latency', ms: 1 } });
      for (let i = 0; i <= 1000; i++) engine.evaluate(putEvent(`fill-${i}`));
      // Act
      const all = await call('GET', '/events', undefined, 'limit=1000');
      const beyond = await call('GET', '/events', undefined, 'limit=1001');
      // Assess
      expect(all.body.events).toHaveLength(1000);
      expect(all.body.events.at(-1)).toMatchObject({ requestId: 'fill-1000' });
      expect(beyond.status).toBe(400);
      expect(beyond.body.error.field).toBe('limit');
      expect(beyond.body.error.message).toContain('1000');
    });

    it('explains which rules would match and fire for a described event', async () => {
      // Prepare
      client.unit.runtime.faults.setConfigSwitch(true);
      const { body: rule } = await call('POST', '/rules', { ...HALF_SLOW_WRITE, rate: 1 });
      const firingsBefore = client.unit.runtime.faults.events().length;
      // Act
      const put = await call('POST', '/explain', putEvent('req-x'));
      const get = await call('POST', '/explain', { ...putEvent('req-y'), method: 'GET' });
      const bad = await call('POST', '/explain', { service: 's3-api', verb: 'GET' });
      // Assess
      expect(put.status).toBe(200);
      expect(put.body.rules).toEqual([
        expect.objectContaining({ ruleId: rule.id, matched: true, wouldFire: true }),
      ]);
      expect(put.body.outcome).toEqual({ delayMs: 500 });
      expect(get.body.rules[0]).toMatchObject({
        matched: false,
        mismatch: 'match.endpoint',
        wouldFire: false,
      });
      expect(bad.body.error.field).toBe('verb');
      expect(client.unit.runtime.faults.events()).toHaveLength(firingsBefore);
    });

    it('explains an origin event (local bucket and key): which origin rules would fire', async () => {
      // Prepare
      client.unit.runtime.faults.setConfigSwitch(true);
      const { body: rule } = await call('POST', '/rules', {
        match: { service: 'origin', point: 'origin.fetch.after', bucket: 'archive', key: 'logs/*' },
        fault: { type: 'dirty', mode: 'truncate' },
      });
      const event = {
        service: 'origin',
        point: 'origin.fetch.after',
        operation: 'GetObject',
        bucket: 'archive',
      };
      // Act
      const hit = await call('POST', '/explain', { ...event, key: 'logs/1', size: 10 });
      const miss = await call('POST', '/explain', { ...event, key: 'img/1', size: 10 });
      // Assess
      expect(rule.fault).toEqual({ type: 'dirty', mode: 'truncate', etag: 'mismatch' });
      expect(hit.body.outcome).toEqual({ delayMs: 0, terminal: { ruleId: rule.id, type: 'dirty' } });
      expect(miss.body.rules).toEqual([
        expect.objectContaining({ ruleId: rule.id, matched: false, mismatch: 'match.key' }),
      ]);
    });

    it('refuses an origin rule with a bad dirty mode, naming fault.mode', async () => {
      // Act
      const answer = await call('POST', '/rules', {
        match: { point: 'origin.fetch.after' },
        fault: { type: 'dirty', mode: 'zero' },
      });
      // Assess
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({ code: 'ValidationError', field: 'fault.mode' });
    });

    it('lists every injection point with its service and allowed fault types', async () => {
      // Act
      const answer = await call('GET', '/points');
      // Assess
      expect(answer.body.points.map((p: { point: string }) => p.point)).toEqual(
        INJECTION_POINTS.map((p) => p.point),
      );
      const socket = answer.body.points.find((p: { point: string }) => p.point === 'gateway.socket');
      expect(socket).toMatchObject({ service: 'gateway' });
      expect(socket.faultTypes).toEqual(expect.arrayContaining(['reset', 'truncate', 'latency']));
      const origin = (point: string) => answer.body.points.find((p: { point: string }) => p.point === point);
      expect(origin('origin.fetch.before')).toMatchObject({
        service: 'origin',
        faultTypes: [
          'latency',
          'http_status',
          's3_error',
          'timeout',
          'origin_unavailable',
          'stale',
          'throttle',
        ],
      });
      expect(origin('origin.fetch.after')).toMatchObject({
        service: 'origin',
        faultTypes: ['latency', 'http_status', 's3_error', 'slow_body', 'dirty'],
      });
    });
  });

  describe('routing', () => {
    it('answers 404 for an unknown operation and 405 for a wrong method', async () => {
      // Act
      const unknown = await call('GET', '/toxics');
      const wrongMethod = await call('PUT', '/rules');
      // Assess
      expect(unknown.status).toBe(404);
      expect(wrongMethod.status).toBe(405);
      expect(wrongMethod.body.error.code).toBe('MethodNotAllowed');
    });
  });
});
