import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { type Firing, filterFirings, type SharedHitLog } from '../../../../shared/faults/hit-log.js';
import { type ControlClient, createControlClient } from './support.js';

/** Stack mode's shared hit log in memory; `others` stands for the firings of the other processes. */
class MemorySharedHitLog implements SharedHitLog {
  readonly firings: Firing[] = [];
  readonly counts = new Map<string, number>();
  readonly resets: (readonly string[] | 'all')[] = [];
  failReads = false;

  append(firing: Firing): void {
    this.firings.push(firing);
    this.others(firing.ruleId, 1);
  }

  others(ruleId: string, n: number): void {
    this.counts.set(ruleId, (this.counts.get(ruleId) ?? 0) + n);
  }

  async list(filter = {}) {
    return filterFirings(this.firings, filter);
  }

  async hits(ruleIds: readonly string[]) {
    if (this.failReads) throw new Error('redis down');
    return new Map(ruleIds.map((id) => [id, this.counts.get(id) ?? 0]));
  }

  async resetHits(ruleIds?: readonly string[]) {
    this.resets.push(ruleIds ?? 'all');
    if (ruleIds === undefined) this.counts.clear();
    else for (const id of ruleIds) this.counts.delete(id);
  }

  async close() {}
}

const SLOW_GET = {
  id: 'slow-get',
  scenario: 'slow',
  match: { service: 's3-api', operation: 'GetObject' },
  fault: { type: 'latency', ms: 1 },
};

// The control API's rule views over a shared hit log (stack mode), through the real pipeline.
describe('injection control API with a shared hit log', () => {
  let client: ControlClient;
  let log: MemorySharedHitLog;
  const call: ControlClient['call'] = (...args) => client.call(...args);

  beforeAll(async () => {
    client = await createControlClient();
  });

  beforeEach(async () => {
    log = new MemorySharedHitLog();
    client.unit.runtime.sharedHitLog = log;
    client.unit.runtime.faults.enable();
    client.unit.runtime.faults.setConfigSwitch(true);
    await call('DELETE', '/rules');
    log.resets.length = 0;
  });

  afterAll(async () => {
    delete client.unit.runtime.sharedHitLog;
    client.unit.runtime.faults.setConfigSwitch(undefined);
    await client.unit.runtime.close();
  });

  it('shows in GET /rules, GET /rules/{id} and PATCH the hits of every process, not this one alone', async () => {
    // Prepare: five firings in all, one of them on this instance.
    await call('POST', '/rules', SLOW_GET);
    client.unit.runtime.faults.evaluate({ service: 's3-api', point: 'http.server', operation: 'GetObject' });
    log.others('slow-get', 5);

    // Act
    const listed = await call('GET', '/rules');
    const one = await call('GET', '/rules/slow-get');
    const patched = await call('PATCH', '/rules/slow-get', { priority: 5 });

    // Assess
    expect(client.unit.runtime.faults.getRule('slow-get')?.hits).toBe(1);
    expect(listed.body.rules.map((rule: { hits: number }) => rule.hits)).toEqual([5]);
    expect(one.body.hits).toBe(5);
    expect(patched.body.hits).toBe(5);
  });

  it('zeroes the shared count when a rule is deleted, re-created, cleared or the kill switch is thrown', async () => {
    // Prepare: a count left by an expired rule of the same id.
    log.others('slow-get', 7);

    // Act
    const created = await call('POST', '/rules', SLOW_GET);
    log.others('slow-get', 2);
    const removed = await call('DELETE', '/rules/slow-get');
    await call('POST', '/rules', SLOW_GET);
    await call('DELETE', '/rules');
    await call('POST', '/disable-all');

    // Assess
    expect(created.body.hits).toBe(0);
    expect(removed.status).toBe(200);
    expect(log.resets).toEqual([['slow-get'], ['slow-get'], ['slow-get'], 'all', 'all']);
  });

  it('starts a fresh scenario activation at 0 and keeps the count over a deactivation', async () => {
    // Prepare
    await call('POST', '/rules', SLOW_GET);
    log.others('slow-get', 3);

    // Act
    const deactivated = await call('POST', '/scenarios/slow/deactivate');
    const activated = await call('POST', '/scenarios/slow/activate');
    const listed = await call('GET', '/rules');

    // Assess
    expect(deactivated.body.rules[0].hits).toBe(3);
    expect(activated.body.rules[0].hits).toBe(0);
    expect(listed.body.rules[0].hits).toBe(0);
  });

  it("answers with this instance's hits when the shared counts cannot be read", async () => {
    // Prepare
    await call('POST', '/rules', SLOW_GET);
    client.unit.runtime.faults.evaluate({ service: 's3-api', point: 'http.server', operation: 'GetObject' });
    log.others('slow-get', 4);
    log.failReads = true;

    // Act
    const one = await call('GET', '/rules/slow-get');

    // Assess
    expect(one.status).toBe(200);
    expect(one.body.hits).toBe(1);
  });
});
