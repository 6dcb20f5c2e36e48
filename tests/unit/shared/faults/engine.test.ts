import { describe, expect, it } from '@jest/globals';
import { createFaultEngine, type FaultChange, type FaultEngine } from '../../../../shared/faults/engine.js';
import type { Firing } from '../../../../shared/faults/hit-log.js';
import type { FaultEvent } from '../../../../shared/faults/match.js';
import { parseRule } from '../../../../shared/faults/parse-rule.js';
import {
  RuleConflictError,
  RuleLimitError,
  RuleValidationError,
} from '../../../../shared/faults/validation.js';
import { DAY_MS, manualClock, s3Event, T0 } from './fault-fixtures.js';

function engineWith(
  options: { enabled?: boolean; clock?: ReturnType<typeof manualClock>; hitLogSize?: number } = {},
) {
  const clock = options.clock ?? manualClock();
  const fired: Firing[] = [];
  let n = 0;
  const engine = createFaultEngine({
    clock,
    enabled: options.enabled ?? true,
    maxTtlMs: DAY_MS,
    onFire: (firing) => fired.push(firing),
    newId: () => `auto-${++n}`,
    ...(options.hitLogSize === undefined ? {} : { hitLogSize: options.hitLogSize }),
  });
  return { engine, clock, fired };
}

const get = (key = 'k', extra: Partial<FaultEvent> = {}) => s3Event('GET', `/photos/${key}`, extra);

/** Which event indices of a run fire which rule. */
function run(engine: FaultEngine, events: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < events; i++) {
    for (const firing of engine.evaluate(get(`k${i % 7}`, { requestId: `req-${i}` })).firings) {
      out.push(`${i}:${firing.ruleId}`);
    }
  }
  return out;
}

function chaosRules(seed: number) {
  return [
    { id: 'slow', fault: { type: 'latency', ms: 50, jitterMs: 20 }, rate: 0.3, seed, priority: 2 },
    { id: 'err', fault: { type: 's3_error', code: 'SlowDown' }, rate: 0.2, seed, times: 10, priority: 1 },
    { id: 'late', fault: { type: 's3_error', code: 'InternalError' }, rate: 0.5, seed, after: 5, every: 2 },
  ];
}

describe('determinism', () => {
  it('replays the identical firing sequence for the same rules, seeds and events', () => {
    // Prepare
    const first = engineWith().engine;
    const second = engineWith().engine;
    for (const rule of chaosRules(42)) {
      first.addRule(rule);
      second.addRule(rule);
    }

    // Act
    const a = run(first, 300);
    const b = run(second, 300);

    // Assess
    expect(a.length).toBeGreaterThan(50);
    expect(b).toEqual(a);
    expect(second.events().map((f) => f.delayMs)).toEqual(first.events().map((f) => f.delayMs));
  });

  it('gives a different sequence with a different seed', () => {
    // Prepare
    const first = engineWith().engine;
    const second = engineWith().engine;
    for (const rule of chaosRules(42)) first.addRule(rule);
    for (const rule of chaosRules(43)) second.addRule(rule);

    // Act / Assess
    expect(run(second, 300)).not.toEqual(run(first, 300));
  });

  it('fires at about the rate asked', () => {
    // Prepare
    const { engine } = engineWith();
    engine.addRule({ id: 'quarter', fault: { type: 'latency', ms: 1 }, rate: 0.25, seed: 7 });

    // Act
    const fired = run(engine, 8000).length;

    // Assess
    expect(Math.abs(fired / 8000 - 0.25)).toBeLessThan(0.02);
  });

  it('draws latency jitter within ms ± jitterMs', () => {
    // Prepare
    const { engine } = engineWith();
    engine.addRule({ fault: { type: 'latency', ms: 100, jitterMs: 30 } });

    // Act
    const delays = Array.from({ length: 500 }, () => engine.evaluate(get()).delayMs);

    // Assess
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(70);
    expect(Math.max(...delays)).toBeLessThanOrEqual(130);
    expect(new Set(delays).size).toBeGreaterThan(20);
  });
});

describe('counters', () => {
  it('lets the first `after` matches pass, fires every Nth, and stops after `times`', () => {
    // Prepare
    const { engine } = engineWith();
    engine.addRule({ id: 'r', fault: { type: 's3_error', code: 'SlowDown' }, after: 2, every: 3, times: 2 });

    // Act
    const fired = Array.from({ length: 12 }, () => engine.evaluate(get()).terminal !== undefined);

    // Assess: matches 2 and 5 fire; the rule is spent after that
    expect(fired.flatMap((f, i) => (f ? [i] : []))).toEqual([2, 5]);
    expect(engine.getRule('r')!.hits).toBe(2);
    expect(engine.status().activeRules).toBe(0);
  });

  it('fires SlowDown exactly `times` times, then lets requests through', () => {
    // Prepare
    const { engine } = engineWith();
    engine.addRule({ id: 'twice', fault: { type: 's3_error', code: 'SlowDown' }, times: 2 });

    // Act
    const outcomes = [1, 2, 3].map(() => engine.evaluate(get()).terminal?.fault.type);

    // Assess
    expect(outcomes).toEqual(['s3_error', 's3_error', undefined]);
    expect(engine.events({ ruleId: 'twice' })).toHaveLength(2);
  });
});

describe('combining', () => {
  it('adds delays in priority order and stops at the first terminal effect', () => {
    // Prepare
    const { engine } = engineWith();
    engine.addRule({ id: 'slow-a', priority: 10, fault: { type: 'latency', ms: 100 } });
    engine.addRule({ id: 'slow-b', priority: 5, fault: { type: 'latency', ms: 50 } });
    engine.addRule({ id: 'err-1', priority: 1, fault: { type: 's3_error', code: 'InternalError' } });
    engine.addRule({ id: 'err-0', priority: 0, fault: { type: 'http_status', status: 502 } });
    engine.addRule({ id: 'slow-c', priority: -1, fault: { type: 'latency', ms: 1000 } });

    // Act
    const outcome = engine.evaluate(get());

    // Assess
    expect(outcome.delayMs).toBe(150);
    expect(outcome.terminal?.rule.id).toBe('err-1');
    expect(outcome.firings.map((f) => f.ruleId)).toEqual(['slow-a', 'slow-b', 'err-1']);
    expect(engine.getRule('err-0')!.hits).toBe(0);
    expect(engine.explain(get()).rules.find((r) => r.ruleId === 'slow-c')?.matchIndex).toBeUndefined();
  });

  it('keeps priority order between rules of one exact bucket and the others', () => {
    // Prepare
    const { engine } = engineWith();
    engine.addRule({ id: 'any-low', priority: 1, fault: { type: 'latency', ms: 1 } });
    engine.addRule({
      id: 'photos-mid',
      priority: 5,
      match: { bucket: 'photos' },
      fault: { type: 'latency', ms: 2 },
    });
    engine.addRule({
      id: 'any-high',
      priority: 9,
      match: { bucket: 'pho*' },
      fault: { type: 'latency', ms: 4 },
    });
    engine.addRule({ id: 'logs', priority: 7, match: { bucket: 'logs' }, fault: { type: 'latency', ms: 8 } });

    // Act
    const outcome = engine.evaluate(get());

    // Assess
    expect(outcome.firings.map((f) => f.ruleId)).toEqual(['any-high', 'photos-mid', 'any-low']);
    expect(outcome.delayMs).toBe(7);
  });

  it('keeps priority order across rules of the bucket, of the operation and the others', () => {
    // Prepare: one rule in each index, plus one of another operation that must not fire.
    const { engine } = engineWith();
    engine.addRule({ id: 'general', priority: 3, fault: { type: 'latency', ms: 1 } });
    engine.addRule({
      id: 'bucket',
      priority: 5,
      match: { bucket: 'photos' },
      fault: { type: 'latency', ms: 2 },
    });
    engine.addRule({
      id: 'operation',
      priority: 9,
      match: { operation: 'GetObject' },
      fault: { type: 'latency', ms: 4 },
    });
    engine.addRule({
      id: 'other-op',
      priority: 7,
      match: { operation: 'PutObject' },
      fault: { type: 'latency', ms: 8 },
    });

    // Act
    const outcome = engine.evaluate(get('k', { operation: 'GetObject' }));

    // Assess
    expect(outcome.firings.map((f) => f.ruleId)).toEqual(['operation', 'bucket', 'general']);
    expect(outcome.delayMs).toBe(7);
  });

  it('skips disabled rules and rules of other points or services', () => {
    // Prepare
    const { engine } = engineWith();
    engine.addRule({ id: 'off', enabled: false, fault: { type: 'latency', ms: 5 } });
    engine.addRule({ id: 'db', match: { point: 'db.query' }, fault: { type: 'db_latency', ms: 5 } });
    engine.addRule({ id: 'admin', match: { service: 'admin' }, fault: { type: 'latency', ms: 5 } });
    engine.addRule({ id: 'mine', match: { service: 's3-api' }, fault: { type: 'latency', ms: 7 } });

    // Act
    const outcome = engine.evaluate(get());

    // Assess
    expect(outcome.firings.map((f) => f.ruleId)).toEqual(['mine']);
    expect(engine.evaluate({ service: 'metadata', point: 'db.query' }).delayMs).toBe(5);
  });

  it('throttles above the rate per prefix, in one-second windows of the clock', () => {
    // Prepare
    const { engine, clock } = engineWith();
    engine.addRule({ id: 'thr', fault: { type: 'throttle', rps: 2, per: 'prefix' } });
    const hit = (key: string) => engine.evaluate(get(key)).terminal?.fault.type ?? 'ok';

    // Act
    const burst = [hit('a/1'), hit('a/2'), hit('a/3'), hit('b/1')];
    clock.advance(1000);
    const nextSecond = hit('a/4');

    // Assess
    expect(burst).toEqual(['ok', 'ok', 'throttle', 'ok']);
    expect(nextSecond).toBe('ok');
  });
});

describe('expiry and windows', () => {
  it('stops a rule at its TTL on the injected clock and prunes it', () => {
    // Prepare
    const { engine, clock } = engineWith();
    engine.addRule({ id: 'short', fault: { type: 'latency', ms: 5 }, ttl: '30s' });
    clock.advance(29_999);
    const before = engine.evaluate(get()).delayMs;

    // Act
    clock.advance(1);
    const after = engine.evaluate(get()).delayMs;

    // Assess
    expect(before).toBe(5);
    expect(after).toBe(0);
    expect(engine.getRule('short')).toBeUndefined();
    expect(engine.listRules()).toEqual([]);
  });

  it('fires only inside its window', () => {
    // Prepare
    const { engine, clock } = engineWith();
    const start = new Date(T0 + 60_000).toISOString();
    const end = new Date(T0 + 120_000).toISOString();
    engine.addRule({ fault: { type: 'latency', ms: 5 }, window: { start, end } });

    // Act
    const early = engine.evaluate(get()).delayMs;
    clock.advance(60_000);
    const inside = engine.evaluate(get()).delayMs;
    clock.advance(60_000);
    const late = engine.evaluate(get()).delayMs;

    // Assess
    expect([early, inside, late]).toEqual([0, 5, 0]);
  });
});

describe('switches', () => {
  it('fires nothing while off, yet manages rules', () => {
    // Prepare
    const { engine } = engineWith({ enabled: false });

    // Act
    const rule = engine.addRule({ fault: { type: 'latency', ms: 5 } });
    const outcome = engine.evaluate(get());

    // Assess
    expect(rule.id).toBe('auto-1');
    expect(outcome.delayMs).toBe(0);
    expect(outcome.firings).toEqual([]);
    expect(engine.status()).toMatchObject({ enabled: false, reason: 'env', rules: 1 });
  });

  it('kill switch latches off and expires every rule; enable turns it back on', () => {
    // Prepare
    const { engine } = engineWith();
    engine.addRule({ fault: { type: 'latency', ms: 5 } });

    // Act
    engine.disableAll();
    const afterKill = engine.status();
    engine.addRule({ id: 'new', fault: { type: 'latency', ms: 7 } });
    const whileLatched = engine.evaluate(get()).delayMs;
    engine.enable();
    const afterEnable = engine.evaluate(get()).delayMs;

    // Assess
    expect(afterKill).toMatchObject({ enabled: false, reason: 'kill_switch', rules: 0, killSwitch: true });
    expect(whileLatched).toBe(0);
    expect(afterEnable).toBe(7);
    expect(engine.status()).toMatchObject({ enabled: true, reason: 'env' });
  });

  it('lets the config switch, when set, win over the environment', () => {
    // Prepare
    const off = engineWith({ enabled: false }).engine;
    const on = engineWith({ enabled: true }).engine;
    off.addRule({ fault: { type: 'latency', ms: 5 } });
    on.addRule({ fault: { type: 'latency', ms: 5 } });

    // Act
    off.setConfigSwitch(true);
    on.setConfigSwitch(false);

    // Assess
    expect(off.evaluate(get()).delayMs).toBe(5);
    expect(off.status()).toMatchObject({ enabled: true, reason: 'config', env: false, config: true });
    expect(on.evaluate(get()).delayMs).toBe(0);
    expect(on.status()).toMatchObject({ enabled: false, reason: 'config' });
    on.setConfigSwitch(undefined);
    expect(on.status()).toMatchObject({ enabled: true, reason: 'env' });
  });

  it('the kill switch beats the config switch', () => {
    // Prepare
    const { engine } = engineWith();
    engine.setConfigSwitch(true);

    // Act
    engine.disableAll();

    // Assess
    expect(engine.status()).toMatchObject({ enabled: false, reason: 'kill_switch' });
  });
});

describe('rule management', () => {
  it('refuses a duplicate id and a bad rule', () => {
    // Prepare
    const { engine } = engineWith();
    engine.addRule({ id: 'dup', fault: { type: 'latency', ms: 5 } });

    // Act / Assess
    expect(() => engine.addRule({ id: 'dup', fault: { type: 'latency', ms: 5 } })).toThrow(RuleConflictError);
    expect(() => engine.addRule({ fault: { type: 'reset' }, match: { point: 'db.query' } })).toThrow(
      RuleValidationError,
    );
  });

  it('updates, lists, removes, and bumps the version on each change', () => {
    // Prepare
    const { engine } = engineWith();
    const changes: FaultChange[] = [];
    engine.onChange((change) => changes.push(change));

    // Act
    engine.addRule({ id: 'a', scenario: 's', fault: { type: 'latency', ms: 5 } });
    engine.addRule({ id: 'b', priority: 3, fault: { type: 'latency', ms: 5 } });
    const updated = engine.updateRule('a', { fault: { ms: 9 } });
    const missing = engine.updateRule('zzz', { rate: 0.5 });
    const removed = engine.removeRule('b');

    // Assess
    expect(updated?.fault).toEqual({ type: 'latency', ms: 9 });
    expect(missing).toBeUndefined();
    expect(removed).toBe(true);
    expect(engine.removeRule('b')).toBe(false);
    expect(engine.listRules().map((r) => r.id)).toEqual(['a']);
    expect(engine.listRules({ scenario: 'other' })).toEqual([]);
    expect(changes.map((c) => [c.version, c.kind])).toEqual([
      [1, 'rule_added'],
      [2, 'rule_added'],
      [3, 'rule_updated'],
      [4, 'rule_removed'],
    ]);
    expect(engine.version).toBe(4);
  });

  it('replaces the snapshot, keeping the counters of rules that stay', () => {
    // Prepare
    const { engine } = engineWith();
    const kept = engine.addRule({ id: 'kept', fault: { type: 's3_error', code: 'SlowDown' }, times: 1 });
    engine.addRule({ id: 'gone', fault: { type: 'latency', ms: 5 } });
    engine.evaluate(get());

    // Act
    engine.replaceAll([kept]);

    // Assess
    expect(engine.listRules().map((r) => [r.id, r.hits])).toEqual([['kept', 1]]);
    expect(engine.evaluate(get()).terminal).toBeUndefined();
  });
});

describe('scenarios and presets', () => {
  it('activates a scenario with a new TTL and fresh counters, and deactivates it', () => {
    // Prepare
    const { engine, clock } = engineWith();
    engine.addRule({
      id: 's1',
      scenario: 'drill',
      enabled: false,
      times: 1,
      fault: { type: 'latency', ms: 5 },
    });
    engine.addRule({ id: 's2', scenario: 'drill', enabled: false, fault: { type: 'latency', ms: 6 } });
    engine.addRule({ id: 'other', scenario: 'calm', enabled: false, fault: { type: 'latency', ms: 100 } });

    // Act
    const activated = engine.activateScenario('drill', { ttl: '1h' });
    const first = engine.evaluate(get()).delayMs;
    const second = engine.evaluate(get()).delayMs;
    engine.activateScenario('drill');
    const afterReactivation = engine.evaluate(get()).delayMs;
    const deactivated = engine.deactivateScenario('drill');

    // Assess
    expect(activated.map((r) => r.expiresAt)).toEqual([
      new Date(T0 + 3_600_000).toISOString(),
      new Date(T0 + 3_600_000).toISOString(),
    ]);
    expect([first, second, afterReactivation]).toEqual([11, 6, 11]);
    expect(deactivated).toHaveLength(2);
    expect(engine.evaluate(get()).delayMs).toBe(0);
    expect(engine.activateScenario('nothing')).toEqual([]);
    expect(() => engine.activateScenario('drill', { ttl: '48h' })).toThrow(RuleValidationError);
    expect(engine.listScenarios().map((s) => [s.name, s.rules, s.enabledRules])).toEqual([
      ['calm', 1, 0],
      ['drill', 2, 0],
    ]);
    clock.advance(DAY_MS);
    expect(engine.listScenarios()).toEqual([]);
  });

  it('materialises each preset under its name, replacing it on re-activation', () => {
    // Prepare
    const { engine } = engineWith();

    // Act
    for (const preset of engine.presets()) engine.activatePreset(preset.name, { ttl: '10m', seed: 1 });
    const nodeLoss = engine.activatePreset('node-loss', { node: 'node-3' });

    // Assess
    expect(engine.presets().map((p) => p.name)).toEqual([
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
    expect(engine.listScenarios()).toHaveLength(10);
    expect(nodeLoss!.map((r) => r.match.node)).toEqual(['node-3', 'node-3', 'node-3']);
    expect(engine.listRules({ scenario: 'node-loss' })).toHaveLength(3);
    expect(engine.activatePreset('no-such-preset')).toBeUndefined();
    expect(
      engine.evaluate({ service: 'storage-node', point: 'node.read', node: 'node-3' }).terminal?.fault,
    ).toEqual({
      type: 'node_down',
    });
  });
});

describe('explain', () => {
  it('tells which rules match and would fire without consuming counters', () => {
    // Prepare
    const { engine } = engineWith();
    engine.addRule({ id: 'once', fault: { type: 's3_error', code: 'SlowDown' }, times: 1 });
    engine.addRule({ id: 'other-bucket', match: { bucket: 'logs' }, fault: { type: 'latency', ms: 5 } });

    // Act
    const first = engine.explain(get());
    const second = engine.explain(get());
    engine.evaluate(get());
    const afterFiring = engine.explain(get());

    // Assess
    expect(second).toEqual(first);
    expect(first.outcome).toEqual({ delayMs: 0, terminal: { ruleId: 'once', type: 's3_error' } });
    expect(first.rules).toEqual([
      expect.objectContaining({
        ruleId: 'once',
        matched: true,
        wouldFire: true,
        matchIndex: 0,
        decision: 'fire',
      }),
      expect.objectContaining({
        ruleId: 'other-bucket',
        matched: false,
        mismatch: 'match.bucket',
        wouldFire: false,
      }),
    ]);
    expect(afterFiring.rules[0]).toMatchObject({ skipped: 'spent', wouldFire: false });
    expect(engine.events()).toHaveLength(1);
  });

  it('reports the engine off and an empty outcome when disabled', () => {
    // Prepare
    const { engine } = engineWith({ enabled: false });
    engine.addRule({ fault: { type: 'latency', ms: 5 } });

    // Act
    const explanation = engine.explain(get());

    // Assess
    expect(explanation).toMatchObject({ enabled: false, reason: 'env', outcome: { delayMs: 0 } });
    expect(explanation.rules[0]).toMatchObject({ matched: true, wouldFire: true });
  });
});

describe('hit log', () => {
  it('records every firing and filters by rule, scenario, request id and point, newest kept', () => {
    // Prepare
    const { engine, fired } = engineWith({ hitLogSize: 5 });
    engine.addRule({ id: 'http', scenario: 'web', fault: { type: 'latency', ms: 1 } });
    engine.addRule({
      id: 'db',
      scenario: 'sql',
      match: { point: 'db.query' },
      fault: { type: 'db_latency', ms: 1 },
    });

    // Act
    for (let i = 0; i < 4; i++) {
      engine.evaluate(get('k', { requestId: `r${i}`, operation: 'GetObject' }));
      engine.evaluate({ service: 'metadata', point: 'db.query', requestId: `r${i}` });
    }

    // Assess
    expect(fired).toHaveLength(8);
    expect(engine.events()).toHaveLength(5);
    expect(engine.events({ ruleId: 'http' }).map((f) => f.requestId)).toEqual(['r2', 'r3']);
    expect(engine.events({ scenario: 'sql', limit: 1 }).map((f) => f.requestId)).toEqual(['r3']);
    expect(engine.events({ requestId: 'r3' }).map((f) => f.point)).toEqual(['http.server', 'db.query']);
    expect(engine.events({ point: 'db.query' })).toHaveLength(3);
    expect(engine.events({ ruleId: 'http' })[0]).toEqual({
      time: new Date(T0).toISOString(),
      ruleId: 'http',
      scenario: 'web',
      point: 'http.server',
      type: 'latency',
      service: 's3-api',
      operation: 'GetObject',
      requestId: 'r2',
      // The rule's third match: its decision replays from the seed at index 2.
      decisionIndex: 2,
      delayMs: 1,
    });
  });
});

describe('x-mock-fault header', () => {
  it('injects a terminal fault for that request alone, before any rule', () => {
    // Prepare
    const { engine } = engineWith();
    engine.addRule({ id: 'slow', fault: { type: 'latency', ms: 5 } });

    // Act
    const withHeader = engine.evaluateWithHeader(get('k', { requestId: 'r1' }), 's3_error;code=SlowDown');
    const without = engine.evaluateWithHeader(get(), undefined);

    // Assess
    expect(withHeader.terminal?.fault).toEqual({ type: 's3_error', code: 'SlowDown' });
    expect(withHeader.terminal?.rule.id).toBe('x-mock-fault');
    expect(withHeader.delayMs).toBe(0);
    expect(without).toMatchObject({ delayMs: 5 });
    expect(without.terminal).toBeUndefined();
    expect(engine.getRule('slow')!.hits).toBe(1);
    expect(engine.events({ requestId: 'r1' })).toMatchObject([{ ruleId: 'x-mock-fault', type: 's3_error' }]);
  });

  it('adds a header delay to the rules, refuses a bad header, and does nothing while off', () => {
    // Prepare
    const { engine } = engineWith();
    engine.addRule({ fault: { type: 'latency', ms: 5 } });
    const off = engineWith({ enabled: false }).engine;

    // Act
    const delayed = engine.evaluateWithHeader(get(), 'latency;ms=300');

    // Assess
    expect(delayed.delayMs).toBe(305);
    expect(() => engine.evaluateWithHeader(get(), 'latency;ms=fast')).toThrow(RuleValidationError);
    expect(() => engine.evaluateWithHeader(get(), 'db_error;sqlstate=40001')).toThrow(RuleValidationError);
    expect(off.evaluateWithHeader(get(), 's3_error;code=SlowDown').terminal).toBeUndefined();
  });
});

describe('many non-matching rules', () => {
  it('leave an event of their point untouched and do not disturb the one rule that matches', () => {
    // Prepare: the cost of this is measured in bench/ (npm run bench -- --suite faults)
    const { engine, fired } = engineWith();
    for (let i = 0; i < 1000; i++) {
      const match = i % 2 === 0 ? { bucket: `other-${i}` } : { key: `prefix-${i}/*` };
      engine.addRule({ id: `miss-${i}`, match, fault: { type: 'latency', ms: 1 } });
    }
    engine.addRule({ id: 'hit', match: { key: 'a/*' }, fault: { type: 'latency', ms: 7 } });

    // Act
    const missed = engine.evaluate(get('b/c.txt'));
    const matched = engine.evaluate(get('a/b.txt'));

    // Assess
    expect(missed.terminal).toBeUndefined();
    expect(missed.delayMs).toBe(0);
    expect(missed.firings).toEqual([]);
    expect(matched.delayMs).toBe(7);
    expect(fired.map((firing) => firing.ruleId)).toEqual(['hit']);
    expect(engine.getRule('miss-1')!.hits).toBe(0);
  });
});

describe('ids of rules posted without one', () => {
  it('derives them from the content: the same posts give the same ids and decisions on a fresh engine', () => {
    // Prepare: two fresh engines with the default ids
    const fresh = () => createFaultEngine({ clock: manualClock(), enabled: true, maxTtlMs: DAY_MS });
    const [a, b] = [fresh(), fresh()];
    const body = { fault: { type: 's3_error', code: 'SlowDown' }, rate: 0.5, seed: 99 };

    // Act: the same body twice on each
    const idsA = [a.addRule(body).id, a.addRule(body).id];
    const idsB = [b.addRule(body).id, b.addRule(body).id];

    // Assess
    expect(idsA).toEqual(idsB);
    expect(idsA[1]).toBe(`${idsA[0]}-2`);
    expect(run(a, 40)).toEqual(run(b, 40));
  });
});

describe('x-mock-fault header, contradictions and caps', () => {
  it('refuses a wait above the maximum TTL, naming the parameter', () => {
    // Prepare
    const { engine } = engineWith();

    // Act / Assess
    expect(() => engine.evaluateWithHeader(get(), `latency;ms=${DAY_MS + 1}`)).toThrow(
      expect.objectContaining({ field: 'x-mock-fault.ms' }) as unknown as Error,
    );
  });
});

describe('scenario files and the cap on live rules', () => {
  const scenarioRule = (id: string, extra: Record<string, unknown> = {}) =>
    parseRule(
      { id, scenario: 'big', fault: { type: 'latency', ms: 5 }, ...extra },
      { now: new Date(T0), maxTtlMs: DAY_MS, newId: () => id },
    );

  it('applies and removes a scenario of 5,000 rules as one change each', () => {
    // Prepare
    const { engine } = engineWith();
    const changes: FaultChange[] = [];
    engine.onChange((change) => changes.push(change));
    const rules = Array.from({ length: 5_000 }, (_, i) => scenarioRule(`big.${i + 1}`));

    // Act
    engine.applyScenario('big', rules);
    const live = engine.status().rules;
    const removed = engine.removeScenario('big');

    // Assess
    expect(live).toBe(5_000);
    expect(removed).toHaveLength(5_000);
    expect(changes.map((change) => [change.kind, change.ruleIds.length])).toEqual([
      ['scenario_applied', 5_000],
      ['scenario_removed', 5_000],
    ]);
  });

  it('refuses a rule, a scenario or a preset beyond the cap, naming it, and changes nothing', () => {
    // Prepare
    const engine = createFaultEngine({ clock: manualClock(), enabled: true, maxTtlMs: DAY_MS, maxRules: 3 });
    engine.applyScenario('big', [scenarioRule('a'), scenarioRule('b')]);
    engine.addRule({ id: 'c', fault: { type: 'latency', ms: 1 } });

    // Act
    const refusals = [
      () => engine.addRule({ id: 'd', fault: { type: 'latency', ms: 1 } }),
      () => engine.applyScenario('big', [scenarioRule('a'), scenarioRule('b'), scenarioRule('x')]),
      () => engine.activatePreset('slow-disk'),
    ].map((attempt) => {
      try {
        attempt();
        return 'accepted';
      } catch (error) {
        return error instanceof RuleLimitError ? error.message : String(error);
      }
    });
    // Replacing the scenario by as many rules is no growth: accepted at the cap.
    const replaced = engine.applyScenario('big', [scenarioRule('y'), scenarioRule('z')]);

    // Assess
    for (const refusal of refusals) expect(refusal).toContain('at most 3 live rules (FAULTS_MAX_RULES)');
    expect(replaced.map((rule) => rule.id)).toEqual(['y', 'z']);
    expect(engine.listRules().map((rule) => rule.id)).toEqual(['c', 'y', 'z']);
  });
});
