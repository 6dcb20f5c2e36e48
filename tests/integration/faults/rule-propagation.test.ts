import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { createEtcdConfigSource } from '../../../shared/config/adapters/etcd-config-source.js';
import { defaultDynamicSettings } from '../../../shared/config/dynamic-config.js';
import { loadConfig } from '../../../shared/config/env.js';
import { createLiveConfig } from '../../../shared/config/live-config.js';
import { createSqlRuleStore } from '../../../shared/faults/adapters/sql-rule-store.js';
import { createFaultEngine, type FaultEngine } from '../../../shared/faults/engine.js';
import { createRedisRuleBus } from '../../../shared/injection/adapters/redis-rule-bus.js';
import { bindFaultsConfigSwitch } from '../../../shared/injection/faults-config-switch.js';
import type { RuleBus } from '../../../shared/injection/rule-bus.js';
import { type RuleSync, startRuleSync } from '../../../shared/injection/rule-sync.js';
import type { VersionedRuleStore } from '../../../shared/injection/versioned-rule-store.js';
import { openPgClient } from '../../../shared/metadata/adapters/pg-client.js';
import { migrate } from '../../../shared/metadata/migrations.js';
import type { SqlClient } from '../../../shared/metadata/sql-client.js';
import { systemClock } from '../../../shared/runtime/clock.js';
import { DEFAULT_DATABASE_URL, DEFAULT_ETCD_URL, DEFAULT_REDIS_URL } from '../global-setup.js';

const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
const redisUrl = process.env.REDIS_URL || DEFAULT_REDIS_URL;
const etcdUrl = process.env.ETCD_URL || DEFAULT_ETCD_URL;
/** A schema and a channel of this file's own, so parallel suites never see each other's rules. */
const schema = `faults_it_${process.pid}_${Date.now()}`;
const channel = `mock-s3:test:${randomUUID()}:rules`;
const admin = new pg.Pool({ connectionString: databaseUrl, max: 1 });

function newEngine(): FaultEngine {
  return createFaultEngine({ clock: systemClock, enabled: true, maxTtlMs: 86_400_000 });
}

/** Resolves as soon as `engine` satisfies `ready` (checked now and after each of its changes). */
function until(engine: FaultEngine, ready: (engine: FaultEngine) => boolean): Promise<void> {
  if (ready(engine)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error('the change did not arrive within 2 s'));
    }, 2000);
    const stop = engine.onChange(() => {
      if (!ready(engine)) return;
      clearTimeout(timer);
      stop();
      resolve();
    });
  });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

describe('rule propagation over PostgreSQL and Redis', () => {
  const clients: SqlClient[] = [];
  const syncs: RuleSync[] = [];
  let a: FaultEngine;
  let b: FaultEngine;

  async function instance(): Promise<FaultEngine> {
    const client = openPgClient(databaseUrl, { max: 2, searchPath: schema });
    clients.push(client);
    await migrate(client);
    const engine = newEngine();
    syncs.push(
      await startRuleSync({
        engine,
        store: createSqlRuleStore(client),
        bus: createRedisRuleBus({ url: redisUrl, channel }),
        clock: systemClock,
      }),
    );
    return engine;
  }

  beforeAll(async () => {
    await admin.query(`CREATE SCHEMA "${schema}"`);
    a = await instance();
    b = await instance();
  });

  afterAll(async () => {
    await Promise.all(syncs.map((sync) => sync.close()));
    await Promise.all(clients.map((client) => client.close()));
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  it('puts every add, remove and kill switch in force on the other instance', async () => {
    // Prepare: cycles of add, remove, disable-all and enable, each timed until B shows it.
    const latencies: number[] = [];
    const timed = async (change: () => void, arrived: (engine: FaultEngine) => boolean) => {
      const start = performance.now();
      change();
      await until(b, arrived);
      latencies.push(performance.now() - start);
    };

    // Act
    for (let cycle = 0; cycle < 15; cycle++) {
      const id = `rule-${cycle}`;
      await timed(
        () =>
          a.addRule({ id, match: { operation: 'GetObject' }, fault: { type: 'latency', ms: 5 }, ttl: '5m' }),
        (engine) => engine.getRule(id) !== undefined,
      );
      await timed(
        () => a.removeRule(id),
        (engine) => engine.getRule(id) === undefined,
      );
      await timed(
        () => a.disableAll(),
        (engine) => engine.status().killSwitch,
      );
      await timed(
        () => a.enable(),
        (engine) => !engine.status().killSwitch,
      );
    }

    // Assess
    const sorted = [...latencies].sort((x, y) => x - y);
    const p50 = percentile(sorted, 50);
    const p99 = percentile(sorted, 99);
    console.log(
      `rule propagation over ${sorted.length} changes: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, ` +
        `max ${sorted.at(-1)!.toFixed(1)} ms`,
    );
    // The 100 ms p99 target is measured by the benchmark; here every change must arrive well within
    // the heal period (1 s), even on a loaded machine.
    expect(sorted).toHaveLength(60);
    expect(sorted.at(-1)!).toBeLessThan(1500);
  });

  it('converges when both instances change rules at the same time', async () => {
    // Act
    for (let i = 0; i < 10; i++) {
      a.addRule({ id: `from-a-${i}`, match: { operation: 'PutObject' }, fault: { type: 'latency', ms: 1 } });
      b.addRule({ id: `from-b-${i}`, match: { operation: 'PutObject' }, fault: { type: 'latency', ms: 1 } });
    }
    const all = (engine: FaultEngine) =>
      engine.listRules().filter((rule) => rule.id.startsWith('from-')).length === 20;
    await Promise.all([until(a, all), until(b, all)]);
    await Promise.all(syncs.map((sync) => sync.settled()));

    // Assess
    const ids = (engine: FaultEngine) =>
      engine
        .listRules()
        .map((rule) => rule.id)
        .sort();
    expect(ids(a)).toEqual(ids(b));
    expect((await createSqlRuleStore(clients[0]!).load()).map((rule) => rule.id).sort()).toEqual(ids(a));
  });
});

describe('rule propagation from the notice itself, over PostgreSQL and Redis', () => {
  const schemaOwn = `${schema}_notice`;
  const channelOwn = `${channel}:notice`;
  const clients: SqlClient[] = [];
  const syncs: RuleSync[] = [];
  // The first block ends the shared pool in its afterAll.
  const owner = new pg.Pool({ connectionString: databaseUrl, max: 1 });

  beforeAll(async () => {
    await owner.query(`CREATE SCHEMA "${schemaOwn}"`);
  });

  afterAll(async () => {
    await Promise.all(syncs.map((sync) => sync.close()));
    await Promise.all(clients.map((client) => client.close()));
    await owner.query(`DROP SCHEMA IF EXISTS "${schemaOwn}" CASCADE`);
    await owner.end();
  });

  /** An instance whose store counts full reads and whose bus can be told to lose notices. */
  async function instance(healIntervalMs: number) {
    const client = openPgClient(databaseUrl, { max: 2, searchPath: schemaOwn });
    clients.push(client);
    await migrate(client);
    const sql = createSqlRuleStore(client);
    const counted = { snapshots: 0, deaf: false };
    const store: VersionedRuleStore = {
      ...sql,
      async snapshot() {
        counted.snapshots += 1;
        return sql.snapshot();
      },
    };
    const redisBus = createRedisRuleBus({ url: redisUrl, channel: channelOwn });
    const bus: RuleBus = {
      publish: (notice) => redisBus.publish(notice),
      subscribe: (listener) => redisBus.subscribe((notice) => counted.deaf || listener(notice)),
      close: () => redisBus.close(),
    };
    const engine = newEngine();
    const sync = await startRuleSync({ engine, store, bus, clock: systemClock, healIntervalMs });
    syncs.push(sync);
    return { engine, sync, counted };
  }

  it('applies changes in order without reading the store, and heals a lost notice', async () => {
    // Prepare
    const a = await instance(0);
    const b = await instance(200);
    const readsAtStart = b.counted.snapshots;

    // Act: three changes heard, then one lost, then the kill switch heard again.
    a.engine.addRule({
      id: 'n1',
      match: { operation: 'GetObject' },
      fault: { type: 'latency', ms: 1 },
      ttl: '5m',
    });
    a.engine.updateRule('n1', { enabled: false });
    a.engine.addRule({
      id: 'n2',
      match: { operation: 'GetObject' },
      fault: { type: 'latency', ms: 1 },
      ttl: '5m',
    });
    await until(b.engine, (engine) => engine.getRule('n2') !== undefined);
    const readsWhileHearing = b.counted.snapshots - readsAtStart;
    b.counted.deaf = true;
    a.engine.removeRule('n2');
    await a.sync.settled();
    await until(b.engine, (engine) => engine.getRule('n2') === undefined);
    b.counted.deaf = false;
    a.engine.disableAll();
    await until(b.engine, (engine) => engine.status().killSwitch);

    // Assess
    expect(readsWhileHearing).toBe(0);
    expect(b.engine.getRule('n1')).toBeUndefined();
    expect(b.engine.listRules()).toEqual([]);
    expect(b.sync.version).toBe(a.sync.version);
  });
});

describe('faults.enabled over etcd', () => {
  it('switches the engine of another instance within one second', async () => {
    // Prepare: two instances watching their own etcd prefix.
    const prefix = `/mock-s3-test/${randomUUID()}/config/`;
    const defaults = defaultDynamicSettings(loadConfig({ LOG_LEVEL: 'silent' }));
    const writer = createEtcdConfigSource({ etcdUrl, prefix });
    const reader = createEtcdConfigSource({ etcdUrl, prefix });
    const live = await createLiveConfig(reader, defaults);
    const engine = newEngine();
    const unbind = await bindFaultsConfigSwitch(engine, reader, live);
    const start = performance.now();

    // Act
    await writer.set('faults.enabled', false);
    await until(engine, (e) => e.status().reason === 'config');
    const elapsed = performance.now() - start;

    // Assess
    expect(engine.status()).toMatchObject({ enabled: false, config: false });
    expect(elapsed).toBeLessThan(1000);
    await writer.delete('faults.enabled');
    await until(engine, (e) => e.status().reason === 'env');
    await unbind();
    await live.close();
    await Promise.all([writer.close(), reader.close()]);
  });
});
