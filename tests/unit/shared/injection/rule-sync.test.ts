import { afterEach, describe, expect, it } from '@jest/globals';
import { createFaultEngine, type FaultChange, type FaultEngine } from '../../../../shared/faults/engine.js';
import { createMemoryVersionedRuleStore } from '../../../../shared/injection/adapters/memory-versioned-rule-store.js';
import {
  createMemoryRuleBusHub,
  type MemoryRuleBusHub,
  type RuleBus,
  type RuleChangeNotice,
} from '../../../../shared/injection/rule-bus.js';
import { type RuleSync, startRuleSync } from '../../../../shared/injection/rule-sync.js';
import type {
  FaultStateSnapshot,
  VersionedRuleStore,
} from '../../../../shared/injection/versioned-rule-store.js';
import type { Clock } from '../../../../shared/runtime/clock.js';

const clock: Clock = { now: () => new Date('2030-01-01T00:00:00Z') };
const running: RuleSync[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((sync) => sync.close()));
});

function newEngine(): FaultEngine {
  return createFaultEngine({ clock, enabled: true, maxTtlMs: 86_400_000 });
}

interface Instance {
  engine: FaultEngine;
  sync: RuleSync;
}

async function startInstance(
  store: VersionedRuleStore,
  bus: RuleBus | undefined,
  options: { healIntervalMs?: number } = {},
): Promise<Instance> {
  const engine = newEngine();
  const sync = await startRuleSync({
    engine,
    store,
    ...(bus === undefined ? {} : { bus }),
    clock,
    healIntervalMs: options.healIntervalMs ?? 0,
  });
  running.push(sync);
  return { engine, sync };
}

/** Resolves on the next time the sync applies the store's state to `engine`. */
function nextReload(engine: FaultEngine): Promise<FaultChange> {
  return new Promise((resolve) => {
    const stop = engine.onChange((change) => {
      if (change.kind !== 'rules_replaced') return;
      stop();
      resolve(change);
    });
  });
}

/** Resolves once `ready()` holds, checked now and after each change the sync applies to `engine`. */
function until(engine: FaultEngine, ready: () => boolean): Promise<void> {
  if (ready()) return Promise.resolve();
  return new Promise((resolve) => {
    const stop = engine.onChange(() => {
      if (!ready()) return;
      stop();
      resolve();
    });
  });
}

/** A bus whose notices arrive without their change, as a change too large to send does. */
function bareBus(hub: MemoryRuleBusHub): RuleBus {
  const bus = hub.connect();
  return {
    publish: ({ change: _change, ...notice }) => bus.publish(notice),
    subscribe: (listener) => bus.subscribe(listener),
    close: () => bus.close(),
  };
}

/** A store that counts full reads (snapshots). */
function countingStore(store: VersionedRuleStore): VersionedRuleStore & { snapshots: number } {
  const counted = {
    ...store,
    snapshots: 0,
    async snapshot() {
      counted.snapshots += 1;
      return store.snapshot();
    },
  };
  return counted;
}

/** A bus that counts what it publishes. */
function countingBus(hub: MemoryRuleBusHub): RuleBus & { published: RuleChangeNotice[] } {
  const bus = hub.connect();
  const published: RuleChangeNotice[] = [];
  return {
    published,
    async publish(notice) {
      published.push(notice);
      await bus.publish(notice);
    },
    subscribe: (listener) => bus.subscribe(listener),
    close: () => bus.close(),
  };
}

const getObjectEvent = {
  service: 's3-api',
  point: 'http.server',
  operation: 'GetObject',
  bucket: 'photos',
} as const;

const slowDownRule = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  match: { service: 's3-api', operation: 'GetObject' },
  fault: { type: 's3_error', code: 'SlowDown' },
  ...extra,
});

describe('startRuleSync', () => {
  it('shows a rule added on one instance on the other', async () => {
    // Prepare
    const store = createMemoryVersionedRuleStore();
    const hub = createMemoryRuleBusHub();
    const a = await startInstance(store, hub.connect());
    const b = await startInstance(store, hub.connect());
    const reloaded = nextReload(b.engine);

    // Act
    a.engine.addRule(slowDownRule('slow-1'));
    await reloaded;

    // Assess
    expect(b.engine.getRule('slow-1')?.fault).toEqual({ type: 's3_error', code: 'SlowDown' });
    expect(b.engine.evaluate(getObjectEvent).terminal?.rule.id).toBe('slow-1');
  });

  it('removes on the other instance a rule removed on one', async () => {
    // Prepare
    const store = createMemoryVersionedRuleStore();
    const hub = createMemoryRuleBusHub();
    const a = await startInstance(store, hub.connect());
    const b = await startInstance(store, hub.connect());
    const added = nextReload(b.engine);
    a.engine.addRule(slowDownRule('slow-1'));
    await added;
    const removed = nextReload(b.engine);

    // Act
    a.engine.removeRule('slow-1');
    await removed;

    // Assess
    expect(b.engine.getRule('slow-1')).toBeUndefined();
    expect((await store.snapshot()).rules).toEqual([]);
  });

  it('applies a remote change without storing or publishing it again (no echo)', async () => {
    // Prepare
    const store = createMemoryVersionedRuleStore();
    const hub = createMemoryRuleBusHub();
    const busA = countingBus(hub);
    const busB = countingBus(hub);
    const a = await startInstance(store, busA);
    const b = await startInstance(store, busB);
    const reloaded = nextReload(b.engine);

    // Act
    a.engine.addRule(slowDownRule('slow-1'));
    await reloaded;
    await Promise.all([a.sync.settled(), b.sync.settled()]);

    // Assess
    expect(busA.published).toEqual([
      {
        version: 1,
        origin: a.sync.instanceId,
        change: { remove: [], save: [expect.objectContaining({ id: 'slow-1' })] },
      },
    ]);
    expect(busB.published).toEqual([]);
    expect(await store.version()).toBe(1);
    expect(b.sync.version).toBe(1);
  });

  it('keeps per-instance counters when another instance changes the rules', async () => {
    // Prepare: on B, the first match passes (`after: 1`), so the second one fires.
    const store = createMemoryVersionedRuleStore();
    const hub = createMemoryRuleBusHub();
    const a = await startInstance(store, hub.connect());
    const b = await startInstance(store, hub.connect());
    const first = nextReload(b.engine);
    a.engine.addRule(slowDownRule('after-1', { after: 1, times: 1 }));
    await first;
    const passed = b.engine.evaluate(getObjectEvent);
    const second = nextReload(b.engine);

    // Act
    a.engine.updateRule('after-1', { priority: 5 });
    await second;
    const fired = b.engine.evaluate(getObjectEvent);

    // Assess
    expect(passed.terminal).toBeUndefined();
    expect(b.engine.getRule('after-1')?.priority).toBe(5);
    expect(fired.terminal?.rule.id).toBe('after-1');
    expect(fired.terminal?.rule.hits).toBe(1);
  });

  it('restarts the counters of rules a scenario activation on another instance refreshed', async () => {
    // Prepare: B's rule is spent (`times: 1`) when A activates its scenario again.
    const store = createMemoryVersionedRuleStore();
    const hub = createMemoryRuleBusHub();
    const a = await startInstance(store, hub.connect());
    const b = await startInstance(store, hub.connect());
    const added = nextReload(b.engine);
    a.engine.addRule(slowDownRule('once', { times: 1, scenario: 'flaky' }));
    await added;
    const spent = [b.engine.evaluate(getObjectEvent), b.engine.evaluate(getObjectEvent)];
    const activated = nextReload(b.engine);

    // Act
    a.engine.activateScenario('flaky', { ttl: '1h' });
    await activated;
    const afterActivation = b.engine.evaluate(getObjectEvent);

    // Assess
    expect(spent.map((outcome) => outcome.terminal?.rule.id)).toEqual(['once', undefined]);
    expect(afterActivation.terminal?.rule.id).toBe('once');
  });

  it('propagates the kill switch and its release', async () => {
    // Prepare
    const store = createMemoryVersionedRuleStore();
    const hub = createMemoryRuleBusHub();
    const a = await startInstance(store, hub.connect());
    const b = await startInstance(store, hub.connect());
    const added = nextReload(b.engine);
    a.engine.addRule(slowDownRule('slow-1'));
    await added;
    const killed = nextReload(b.engine);

    // Act
    a.engine.disableAll();
    await killed;
    const whileKilled = b.engine.status();
    const released = nextReload(b.engine);
    a.engine.enable();
    await released;

    // Assess
    expect(whileKilled).toMatchObject({ enabled: false, reason: 'kill_switch', killSwitch: true, rules: 0 });
    expect(b.engine.status()).toMatchObject({ enabled: true, killSwitch: false, rules: 0 });
    expect(await store.snapshot()).toMatchObject({ rules: [], killSwitch: false });
  });

  it.each([
    ['removed', (engine: FaultEngine) => engine.removeRule('slow-1')],
    ['killed', (engine: FaultEngine) => engine.disableAll()],
  ] as const)('releases on the other instance a request held by a rule %s on one', async (_label, end) => {
    // Prepare: a request on b held by a minute of latency from a rule added on a
    const store = createMemoryVersionedRuleStore();
    const hub = createMemoryRuleBusHub();
    const a = await startInstance(store, hub.connect());
    const b = await startInstance(store, hub.connect());
    const added = nextReload(b.engine);
    a.engine.addRule({ id: 'slow-1', fault: { type: 'latency', ms: 60_000 } });
    await added;
    const outcome = b.engine.evaluate({
      service: 's3-api',
      point: 'http.server',
      method: 'GET',
      path: '/b/k',
    });
    const held = outcome.waitDelay();
    let bound: ReturnType<typeof setTimeout> | undefined;
    const stillHeld = new Promise<'still held'>((resolve) => {
      bound = setTimeout(() => resolve('still held'), 5_000);
    });
    const applied = nextReload(b.engine);

    // Act
    end(a.engine);
    await applied;
    const result = await Promise.race([held, stillHeld]);
    clearTimeout(bound);

    // Assess
    expect(outcome.delayMs).toBe(60_000);
    expect(result).toBe('released');
  });

  it('heals from the version check when a notice is lost', async () => {
    // Prepare: A publishes nothing; B only learns through its periodic check.
    const store = createMemoryVersionedRuleStore();
    const hub = createMemoryRuleBusHub();
    const a = await startInstance(store, undefined);
    const b = await startInstance(store, hub.connect(), { healIntervalMs: 10 });
    const healed = nextReload(b.engine);

    // Act
    a.engine.addRule(slowDownRule('slow-1'));
    await healed;

    // Assess
    expect(b.engine.getRule('slow-1')).toBeDefined();
  });

  it('never undoes a local change with a reload that raced it', async () => {
    // Prepare: B's reload is held inside the store read while B adds a rule of its own.
    const shared = createMemoryVersionedRuleStore();
    let release: () => void = () => undefined;
    let entered: () => void = () => undefined;
    const readStarted = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let holdNext = false;
    const gated: VersionedRuleStore = {
      ...shared,
      async snapshot(): Promise<FaultStateSnapshot> {
        const snapshot = await shared.snapshot();
        if (holdNext) {
          holdNext = false;
          entered();
          await gate;
        }
        return snapshot;
      },
    };
    const hub = createMemoryRuleBusHub();
    const a = await startInstance(shared, bareBus(hub));
    const b = await startInstance(gated, bareBus(hub));
    holdNext = true;

    // Act
    a.engine.addRule(slowDownRule('from-a'));
    await readStarted;
    b.engine.addRule(slowDownRule('from-b'));
    release();
    await b.sync.settled();

    // Assess
    expect(
      b.engine
        .listRules()
        .map((rule) => rule.id)
        .sort(),
    ).toEqual(['from-a', 'from-b']);
    expect((await shared.snapshot()).rules.map((rule) => rule.id).sort()).toEqual(['from-a', 'from-b']);
  });

  it('applies a change carried by its notice without reading the store', async () => {
    // Prepare
    const shared = createMemoryVersionedRuleStore();
    const store = countingStore(shared);
    const hub = createMemoryRuleBusHub();
    const a = await startInstance(shared, hub.connect());
    const b = await startInstance(store, hub.connect());
    const readsAtStart = store.snapshots;

    // Act
    for (const id of ['r1', 'r2', 'r3']) a.engine.addRule(slowDownRule(id));
    a.engine.updateRule('r2', { enabled: false });
    a.engine.removeRule('r1');
    await a.sync.settled();
    await until(b.engine, () => b.engine.listRules().length === 2 && b.engine.getRule('r1') === undefined);
    await b.sync.settled();

    // Assess
    expect(b.sync.version).toBe(5);
    expect(store.snapshots).toBe(readsAtStart);
    expect(b.engine.listRules().map((rule) => [rule.id, rule.enabled])).toEqual([
      ['r2', false],
      ['r3', true],
    ]);
  });

  it('reloads the store when a notice skips a version (a lost notice), in order', async () => {
    // Prepare: a change committed behind B's back, then a notice for the one after it.
    const shared = createMemoryVersionedRuleStore();
    const store = countingStore(shared);
    const hub = createMemoryRuleBusHub();
    const a = await startInstance(shared, undefined);
    const b = await startInstance(store, hub.connect());
    const sender = hub.connect();
    a.engine.addRule(slowDownRule('unannounced'));
    await a.sync.settled();
    const next = newEngine().addRule(slowDownRule('announced'));
    const version = await shared.commit({ save: [next] });
    const reloaded = nextReload(b.engine);
    const readsBefore = store.snapshots;

    // Act
    await sender.publish({ version, origin: 'elsewhere', change: { save: [next] } });
    await reloaded;

    // Assess
    expect(store.snapshots).toBe(readsBefore + 1);
    expect(b.engine.listRules().map((rule) => rule.id)).toEqual(['announced', 'unannounced']);
    expect(b.sync.version).toBe(version);
  });

  it('clears every rule on the kill switch applied from a notice', async () => {
    // Prepare
    const store = createMemoryVersionedRuleStore();
    const hub = createMemoryRuleBusHub();
    const a = await startInstance(store, hub.connect());
    const b = await startInstance(store, hub.connect());
    a.engine.addRule(slowDownRule('slow-1'));
    await a.sync.settled();
    await until(b.engine, () => b.engine.getRule('slow-1') !== undefined);

    // Act
    a.engine.disableAll();
    await a.sync.settled();
    await until(b.engine, () => b.engine.status().killSwitch);

    // Assess
    expect(b.engine.listRules()).toEqual([]);
    expect(b.engine.evaluate(getObjectEvent).terminal).toBeUndefined();
  });

  it('loads the stored rules and kill switch at start, without the expired ones', async () => {
    // Prepare
    const store = createMemoryVersionedRuleStore();
    const seed = newEngine();
    const live = seed.addRule(slowDownRule('live', { ttl: '1h' }));
    const expired = { ...seed.addRule(slowDownRule('expired')), expiresAt: '2029-12-31T23:59:59.000Z' };
    await store.commit({ save: [live, expired], killSwitch: true });

    // Act
    const { engine } = await startInstance(store, undefined);

    // Assess
    expect(engine.listRules().map((rule) => rule.id)).toEqual(['live']);
    expect(engine.status()).toMatchObject({ killSwitch: true, reason: 'kill_switch' });
    expect((await store.snapshot()).rules.map((rule) => rule.id)).toEqual(['live']);
  });

  it('stores rules that a preset activation replaced silently as removed', async () => {
    // Prepare
    const store = createMemoryVersionedRuleStore();
    const { engine, sync } = await startInstance(store, undefined);
    engine.activatePreset('slow-disk');
    await sync.settled();
    const first = (await store.snapshot()).rules.map((rule) => rule.id);

    // Act
    engine.activatePreset('slow-disk');
    await sync.settled();

    // Assess
    const stored = (await store.snapshot()).rules.map((rule) => rule.id).sort();
    expect(stored).toEqual(
      engine
        .listRules()
        .map((rule) => rule.id)
        .sort(),
    );
    expect(first.length).toBeGreaterThan(0);
  });
});
