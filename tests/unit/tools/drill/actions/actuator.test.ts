import { setTimeout as delay } from 'node:timers/promises';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { createActuator } from '../../../../../tools/drill/actions/actuator.js';
import { followHitLog } from '../../../../../tools/drill/actions/hit-log.js';
import { cleanupLeftovers } from '../../../../../tools/drill/actions/leftovers.js';
import { fetchMetrics } from '../../../../../tools/drill/actions/metrics.js';
import { sampleQueue } from '../../../../../tools/drill/actions/queue-sampler.js';
import { inspectTarget } from '../../../../../tools/drill/actions/target.js';
import type { TargetInfo } from '../../../../../tools/drill/types.js';
import { applyThenCrash } from '../../../../support/drill/crash.js';
import { sampleDrill } from '../../../../support/drill/sample-drill.js';
import { type FaultTarget, failureOf, startFaultServer } from '../../../../support/e2e/faults.js';
import { freePort, s3Client } from '../../../../support/e2e/server.js';

jest.setTimeout(90_000);

const SLOW_PUTS = { match: { operation: 'PutObject' }, fault: { type: 's3_error', code: 'SlowDown' } };
let server: FaultTarget;
let target: TargetInfo;
let bucket: string;

beforeAll(async () => {
  server = await startFaultServer();
  bucket = await server.createBucket('drill-actions');
  target = await inspectTarget({ target: server.endpoint, admin: server.adminEndpoint });
});
afterAll(async () => {
  await server?.close();
});
afterEach(async () => {
  await server.faults.reset();
});

/** A PutObject by an application that does not retry: what a client sees of the drill's rules. */
async function putOnce(key: string): Promise<string> {
  const client = s3Client(server.endpoint, { maxAttempts: 1 });
  try {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'x' }));
    return 'ok';
  } catch (error) {
    return (error as Error).name;
  } finally {
    client.destroy();
  }
}

describe('inspectTarget', () => {
  test('an embedded server: the control plane answers and its nodes are directories, not workers', () => {
    expect(target).toMatchObject({ target: server.endpoint, admin: server.adminEndpoint, mode: 'embedded' });
    expect(target.nodes.map((node) => node.id)).toEqual(['node-1', 'node-2', 'node-3']);
    expect(target.runDir).toBeUndefined();
  });

  test('no S3 endpoint at --target: a DrillFileError naming --target', async () => {
    const nobody = `http://127.0.0.1:${await freePort()}`;
    const error = await failureOf(inspectTarget({ target: nobody, admin: server.adminEndpoint }));
    expect(error).toMatchObject({ name: 'DrillFileError', field: '--target' });
    expect(error.message).toContain(`no S3 endpoint answers at ${nobody}`);
  });

  test('no control plane at --admin: admin undefined, mode unknown', async () => {
    const info = await inspectTarget({
      target: server.endpoint,
      admin: `http://127.0.0.1:${await freePort()}`,
    });
    expect(info.admin).toBeUndefined();
    expect(info.mode).toBe('unknown');
  });
});

describe('createActuator against an embedded server', () => {
  test('rules carry the drill scenario, ids and seed; a client meets them; clear removes exactly them', async () => {
    const someoneElses = await server.faults.addRule({
      id: 'not-the-drills',
      match: { operation: 'GetObject' },
      fault: { type: 's3_error', code: 'InternalError' },
      rate: 0,
    });
    const drill = sampleDrill([{ action: 'rules', rules: [SLOW_PUTS] }, { action: 'clear' }]);
    const actuator = createActuator(drill, target, 'run-1', () => undefined);
    expect(actuator.scenario).toBe('drill-run-1');

    const applied = await actuator.apply(drill.method[0]!);
    expect(applied).toMatchObject({ ok: true, faultActive: true, ruleIds: ['drill.actions-test.0.0'] });
    const rules = await server.faults.listRules();
    expect(rules.find((rule) => rule.id === 'drill.actions-test.0.0')).toMatchObject({
      scenario: 'drill-run-1',
      seed: 42,
    });
    expect(await putOnce('during')).toBe('SlowDown');

    const cleared = await actuator.apply(drill.method[1]!);
    expect(cleared).toMatchObject({ ok: true, faultActive: false });
    expect((await server.faults.listRules()).map((rule) => rule.id)).toEqual([someoneElses.id]);
    expect(await putOnce('after')).toBe('ok');
    expect(await actuator.rollback()).toEqual(['nothing to roll back']);
  });

  test('the hit log follower sees the firings of the drill rules, with the request ids and times', async () => {
    const drill = sampleDrill([{ action: 'rules', rules: [SLOW_PUTS] }]);
    const startedAt = Date.now();
    const actuator = createActuator(drill, target, 'run-hits', () => undefined);
    const hits = followHitLog(server.adminEndpoint, actuator.scenario, startedAt);
    await actuator.apply(drill.method[0]!);
    expect(await putOnce('a')).toBe('SlowDown');
    expect(await putOnce('b')).toBe('SlowDown');
    const firings = await hits.stop();
    await actuator.rollback();
    expect(firings).toHaveLength(2);
    for (const firing of firings) {
      expect(firing).toMatchObject({
        ruleId: 'drill.actions-test.0.0',
        scenario: 'drill-run-hits',
        type: 's3_error',
      });
      expect(firing.requestId).toEqual(expect.any(String));
      expect(firing.atMs).toBeGreaterThanOrEqual(0);
      expect(firing.atMs).toBeLessThan(Date.now() - startedAt);
    }
  });

  test('a preset becomes rules of the drill (not of the preset scenario), and rollback removes them', async () => {
    const drill = sampleDrill([{ action: 'preset', preset: 'throttling' }]);
    const actuator = createActuator(drill, target, 'run-preset', () => undefined);
    const outcome = await actuator.apply(drill.method[0]!);
    expect(outcome).toMatchObject({ ok: true, faultActive: true });
    const rules = await server.faults.listRules();
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) {
      expect(rule.scenario).toBe('drill-run-preset');
      expect(rule.id.startsWith('drill.actions-test.0.throttling.')).toBe(true);
    }
    const lines = await actuator.rollback();
    expect(lines).toEqual([`removed ${rules.length} rule(s) of scenario drill-run-preset`]);
    expect(await server.faults.listRules()).toEqual([]);
  });

  test('a scenario file becomes rules of the drill, its own scenario tag replaced by the drill one', async () => {
    const storm = {
      name: 'storm',
      rules: [
        { ...SLOW_PUTS, scenario: 'storm' },
        { ...SLOW_PUTS, rate: 0.5 },
      ],
    };
    const drill = sampleDrill([{ action: 'scenario', file: 'storm.yaml', scenario: storm }]);
    const actuator = createActuator(drill, target, 'run-scenario', () => undefined);
    expect(await actuator.apply(drill.method[0]!)).toMatchObject({
      ok: true,
      ruleIds: ['drill.actions-test.0.0', 'drill.actions-test.0.1'],
    });
    expect((await server.faults.listRules()).map((rule) => rule.scenario)).toEqual([
      'drill-run-scenario',
      'drill-run-scenario',
    ]);
    expect(await putOnce('storm')).toBe('SlowDown');
    await actuator.rollback();
    expect(await server.faults.listRules()).toEqual([]);
  });

  test('disable_all pulls the kill switch; rollback releases it', async () => {
    const drill = sampleDrill([{ action: 'disable_all' }]);
    const actuator = createActuator(drill, target, 'run-off', () => undefined);
    expect(await actuator.apply(drill.method[0]!)).toMatchObject({ ok: true, faultActive: false });
    expect((await server.faults.status()).killSwitch).toBe(true);
    await actuator.rollback();
    expect(await server.faults.status()).toMatchObject({ killSwitch: false, enabled: true });
  });

  test('a step the server refuses is an outcome with ok false, not a throw', async () => {
    const drill = sampleDrill([{ action: 'rules', rules: [{ ...SLOW_PUTS, ttl: '48h' }] }]);
    const actuator = createActuator(drill, target, 'run-refused', () => undefined);
    const outcome = await actuator.apply(drill.method[0]!);
    expect(outcome.ok).toBe(false);
    expect(outcome.detail).toMatch(/ttl/);
    await actuator.rollback();
  });
});

describe('cleanupLeftovers', () => {
  test('the rules of a runner killed with SIGKILL are removed by the next cleanup; a live runner is left alone', async () => {
    const drill = sampleDrill([{ action: 'rules', rules: [SLOW_PUTS] }]);
    // A live runner (this process) with rules of its own.
    const other = sampleDrill([{ action: 'rules', rules: [{ ...SLOW_PUTS, id: 'live-runner-rule' }] }]);
    const live = createActuator(other, target, 'run-live', () => undefined);
    await live.apply(other.method[0]!);

    const { outcomes } = await applyThenCrash({ drill, target, runId: 'run-crashed' });
    expect(outcomes).toMatchObject([{ ok: true }]);
    expect(await putOnce('left-behind')).toBe('SlowDown');

    const lines = await cleanupLeftovers(() => undefined);
    expect(lines.join('\n')).toContain('removed 1 rule(s) of scenario drill-run-crashed');
    const left = await server.faults.listRules();
    expect(left.map((rule) => rule.scenario)).toEqual(['drill-run-live']);
    await live.rollback();
  });
});

describe('server observers', () => {
  test('fetchMetrics returns the control plane /metrics text, and an empty text without a control plane', async () => {
    const text = await fetchMetrics(server.adminEndpoint);
    expect(text).toMatch(/^# (HELP|TYPE) /m);
    expect(await fetchMetrics(undefined)).toBe('');
    expect(await fetchMetrics(`http://127.0.0.1:${await freePort()}`)).toBe('');
  });

  test('sampleQueue samples the pending count once a second, timed from the start', async () => {
    const startedAt = Date.now();
    const sampler = sampleQueue(server.adminEndpoint, startedAt);
    // The sampler's own period is the event: two periods give at least two samples.
    await delay(2_200);
    const samples = sampler.stop();
    expect(samples.length).toBeGreaterThanOrEqual(2);
    expect(samples.length).toBeLessThanOrEqual(4);
    for (const sample of samples) {
      expect(sample.value).toBe(0);
      expect(sample.t).toBeGreaterThanOrEqual(0);
      expect(sample.t).toBeLessThan(2_500);
    }
    expect(sampleQueue(undefined, startedAt).stop()).toEqual([]);
  });
});
