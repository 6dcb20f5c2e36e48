import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { createFaultEngine, type FaultEngine } from '../../../shared/faults/engine.js';
import type { SharedHitLog } from '../../../shared/faults/hit-log.js';
import { createRedisHitLog, hitCountsKey } from '../../../shared/injection/adapters/redis-hit-log.js';
import { createFiringRelay } from '../../../shared/injection/firing-relay.js';
import { systemClock } from '../../../shared/runtime/clock.js';
import { DEFAULT_REDIS_URL } from '../global-setup.js';

const redisUrl = process.env.REDIS_URL || DEFAULT_REDIS_URL;
/** A key of this file's own, so parallel suites never see each other's firings. */
const key = `mock-s3:test:${randomUUID()}:hits`;

interface Process {
  engine: FaultEngine;
  log: SharedHitLog;
}

/** One process of stack mode: its engine's firings go to the shared log under `name`. */
function startProcess(name: string, capacity = 100): Process {
  const relay = createFiringRelay();
  const engine = createFaultEngine({
    clock: systemClock,
    enabled: true,
    maxTtlMs: 86_400_000,
    onFire: relay.emit,
  });
  const log = createRedisHitLog({ url: redisUrl, key, processName: name, capacity });
  relay.attach((firing) => log.append(firing));
  return { engine, log };
}

describe('the hit log shared over Redis', () => {
  const processes: Process[] = [];
  const admin = new Redis(redisUrl, { lazyConnect: true });

  beforeAll(async () => {
    await admin.connect();
  });

  afterAll(async () => {
    await Promise.all(processes.map((process) => process.log.close()));
    await admin.del(key, hitCountsKey(key));
    admin.disconnect();
  });

  it('shows on one process the firings of every process, filtered by rule, scenario and request id', async () => {
    // Prepare: an instance, a front and a worker, each with a rule of its own point.
    const instance = startProcess('offline-1');
    const front = startProcess('front');
    const worker = startProcess('node-1');
    processes.push(instance, front, worker);
    instance.engine.addRule({
      id: 'http',
      scenario: 'sc-a',
      match: { service: 's3-api' },
      fault: { type: 'latency', ms: 1 },
    });
    front.engine.addRule({
      id: 'socket',
      scenario: 'sc-b',
      match: { service: 'gateway', point: 'gateway.socket' },
      fault: { type: 'reset' },
    });
    worker.engine.addRule({
      id: 'disk',
      scenario: 'sc-a',
      match: { service: 'storage-node', point: 'node.write' },
      fault: { type: 'io_error', errno: 'EIO' },
    });

    // Act
    instance.engine.evaluate({ service: 's3-api', point: 'http.server', requestId: 'req-1' });
    front.engine.evaluate({ service: 'gateway', point: 'gateway.socket', requestId: 'req-2' });
    worker.engine.evaluate({ service: 'storage-node', point: 'node.write', requestId: 'req-3' });
    await Promise.all([front.log.list(), worker.log.list()]); // each sends what it queued
    const all = await instance.log.list();
    const byRule = await instance.log.list({ ruleId: 'socket' });
    const byScenario = await instance.log.list({ scenario: 'sc-a' });
    const byRequest = await instance.log.list({ requestId: 'req-3' });

    // Assess
    expect(all.map((firing) => [firing.process, firing.ruleId, firing.point])).toEqual(
      expect.arrayContaining([
        ['offline-1', 'http', 'http.server'],
        ['front', 'socket', 'gateway.socket'],
        ['node-1', 'disk', 'node.write'],
      ]),
    );
    expect(all).toHaveLength(3);
    expect(byRule.map((firing) => firing.process)).toEqual(['front']);
    expect(byScenario.map((firing) => firing.ruleId).sort()).toEqual(['disk', 'http']);
    expect(byRequest.map((firing) => firing.ruleId)).toEqual(['disk']);
  });

  it('keeps only the newest firings, oldest first, and honours the limit', async () => {
    // Prepare
    await admin.del(key);
    const worker = startProcess('node-2', 5);
    processes.push(worker);
    worker.engine.addRule({
      id: 'many',
      match: { service: 'storage-node', point: 'node.read' },
      fault: { type: 'io_error', errno: 'EIO' },
    });

    // Act
    for (let n = 0; n < 8; n++)
      worker.engine.evaluate({ service: 'storage-node', point: 'node.read', requestId: `r-${n}` });
    const kept = await worker.log.list();
    const newestTwo = await worker.log.list({ limit: 2 });

    // Assess
    expect(kept.map((firing) => firing.requestId)).toEqual(['r-3', 'r-4', 'r-5', 'r-6', 'r-7']);
    expect(newestTwo.map((firing) => firing.requestId)).toEqual(['r-6', 'r-7']);
  });

  it('sums the firings of every process per rule, while `times` is still spent per process', async () => {
    // Prepare: the same `times: 3` rule on two workers, another rule on one of them.
    const one = startProcess('node-a');
    const two = startProcess('node-b');
    processes.push(one, two);
    const limited = {
      id: 'summed',
      times: 3,
      match: { service: 'storage-node', point: 'node.write' },
      fault: { type: 'io_error', errno: 'EIO' },
    };
    one.engine.addRule(limited);
    two.engine.addRule(limited);
    one.engine.addRule({
      id: 'other',
      match: { service: 'storage-node', point: 'node.delete' },
      fault: { type: 'io_error', errno: 'EIO' },
    });
    await one.log.resetHits(['summed', 'other']);

    // Act: five writes on each worker (three fire on each), one delete on the first.
    for (let n = 0; n < 5; n++) {
      one.engine.evaluate({ service: 'storage-node', point: 'node.write' });
      two.engine.evaluate({ service: 'storage-node', point: 'node.write' });
    }
    one.engine.evaluate({ service: 'storage-node', point: 'node.delete' });
    await two.log.list(); // the second worker sends what it queued
    const shared = await one.log.hits(['summed', 'other', 'never-fired']);

    // Assess
    expect(one.engine.getRule('summed')?.hits).toBe(3);
    expect(two.engine.getRule('summed')?.hits).toBe(3);
    expect(Object.fromEntries(shared)).toEqual({ summed: 6, other: 1, 'never-fired': 0 });
  });

  it('starts a rule re-created under a deleted id at 0, and the kill-switch reset clears every count', async () => {
    // Prepare: a rule that fired on two processes, then is deleted.
    const one = startProcess('offline-a');
    const two = startProcess('offline-b');
    processes.push(one, two);
    const rule = { id: 'again', match: { service: 's3-api' }, fault: { type: 'latency', ms: 1 } };
    for (const process of [one, two]) process.engine.addRule(rule);
    await one.log.resetHits(['again', 'kept']);
    one.engine.evaluate({ service: 's3-api', point: 'http.server' });
    two.engine.evaluate({ service: 's3-api', point: 'http.server' });
    await two.log.list();
    const beforeDelete = await one.log.hits(['again']);

    // Act: delete (the engines, then the shared count), re-create, fire once on the second process.
    for (const process of [one, two]) process.engine.removeRule('again');
    await one.log.resetHits(['again']);
    for (const process of [one, two]) process.engine.addRule(rule);
    two.engine.evaluate({ service: 's3-api', point: 'http.server' });
    await two.log.list();
    const afterRecreate = await one.log.hits(['again']);
    one.engine.addRule({ id: 'kept', match: { service: 'gateway' }, fault: { type: 'latency', ms: 1 } });
    one.engine.evaluate({ service: 'gateway', point: 'http.server' });
    await one.log.list();
    const beforeKill = await two.log.hits(['again', 'kept']);
    await two.log.resetHits();
    const afterKill = await one.log.hits(['again', 'kept']);

    // Assess
    expect(beforeDelete.get('again')).toBe(2);
    expect(afterRecreate.get('again')).toBe(1);
    expect(Object.fromEntries(beforeKill)).toEqual({ again: 1, kept: 1 });
    expect(Object.fromEntries(afterKill)).toEqual({ again: 0, kept: 0 });
  });
});
