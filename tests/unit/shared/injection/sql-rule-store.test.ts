import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../../../shared/config/env.js';
import { createSqlRuleStore } from '../../../../shared/faults/adapters/sql-rule-store.js';
import { createFaultEngine, type FaultEngine } from '../../../../shared/faults/engine.js';
import type { Rule } from '../../../../shared/faults/rule.js';
import { createMemoryRuleBusHub } from '../../../../shared/injection/rule-bus.js';
import { startRuleSync } from '../../../../shared/injection/rule-sync.js';
import { openPgliteClient } from '../../../../shared/metadata/adapters/pglite-client.js';
import { migrate } from '../../../../shared/metadata/migrations.js';
import { openMetadataDatabase } from '../../../../shared/metadata/open-metadata-store.js';
import type { SqlClient } from '../../../../shared/metadata/sql-client.js';
import type { Clock } from '../../../../shared/runtime/clock.js';
import { createRuntime } from '../../../../shared/runtime/create-runtime.js';
import { createMemoryNode } from '../../../../shared/storage/adapters/memory-node.js';
import { silentLogger } from '../../../../shared/telemetry/logger.js';

const clock: Clock = { now: () => new Date('2030-01-01T00:00:00Z') };

function newEngine(): FaultEngine {
  return createFaultEngine({ clock, enabled: true, maxTtlMs: 86_400_000 });
}

function canonicalRule(id: string, extra: Record<string, unknown> = {}): Rule {
  return newEngine().addRule({
    id,
    match: { service: 's3-api', operation: 'GetObject', key: '2024/*' },
    fault: { type: 's3_error', code: 'SlowDown' },
    ttl: '1h',
    ...extra,
  });
}

describe('SqlRuleStore on PGlite', () => {
  let client: SqlClient;

  beforeAll(async () => {
    client = await openPgliteClient(undefined);
    await migrate(client);
  });

  afterAll(async () => {
    await client.close();
  });

  it('stores rules, the kill switch and a version bumped by every commit', async () => {
    // Prepare
    const store = createSqlRuleStore(client);
    await store.clear();
    const start = await store.version();
    const first = canonicalRule('rule-a');
    const second = canonicalRule('rule-b', { rate: 0.25, seed: 7 });

    // Act
    const saved = await store.commit({ save: [first, second, { ...first, priority: 9 }] });
    const removed = await store.commit({ remove: ['rule-b'], killSwitch: true });
    const snapshot = await store.snapshot();

    // Assess
    expect([saved, removed]).toEqual([start + 1, start + 2]);
    expect(snapshot).toEqual({ rules: [{ ...first, priority: 9 }], killSwitch: true, version: start + 2 });
  });

  it('implements the RuleStore port (load, save, remove, clear)', async () => {
    // Prepare
    const store = createSqlRuleStore(client);
    await store.clear();

    // Act
    await store.save(canonicalRule('rule-c'));
    await store.save(canonicalRule('rule-d'));
    await store.remove('rule-c');
    const loaded = await store.load();
    await store.clear();

    // Assess
    expect(loaded.map((rule) => rule.id)).toEqual(['rule-d']);
    expect(await store.load()).toEqual([]);
  });

  it('keeps two engines sharing the database in step', async () => {
    // Prepare
    const store = createSqlRuleStore(client);
    await store.commit({ clear: true, killSwitch: false });
    const hub = createMemoryRuleBusHub();
    const a = newEngine();
    const b = newEngine();
    const syncA = await startRuleSync({ engine: a, store, bus: hub.connect(), clock, healIntervalMs: 0 });
    const syncB = await startRuleSync({ engine: b, store, bus: hub.connect(), clock, healIntervalMs: 0 });
    const reloaded = new Promise<void>((resolve) => {
      const stop = b.onChange((change) => {
        if (change.kind !== 'rules_replaced') return;
        stop();
        resolve();
      });
    });

    // Act
    a.addRule({ id: 'shared-1', match: { operation: 'PutObject' }, fault: { type: 'latency', ms: 50 } });
    await reloaded;

    // Assess
    expect(b.getRule('shared-1')?.fault).toEqual({ type: 'latency', ms: 50 });
    await Promise.all([syncA.close(), syncB.close()]);
  });
});

describe('rules across a restart (embedded mode)', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'rule-restart-'));
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('finds the rules again after reopening the PGlite directory', async () => {
    // Prepare
    const before = await openMetadataDatabase({ backend: 'pglite', dataDir });
    const engine = newEngine();
    const sync = await startRuleSync({ engine, store: createSqlRuleStore(before.client), clock });
    engine.addRule({
      id: 'durable',
      match: { operation: 'GetObject' },
      fault: { type: 's3_error', code: 'SlowDown' },
    });
    engine.addRule({ id: 'gone', match: { operation: 'GetObject' }, fault: { type: 'latency', ms: 5 } });
    engine.removeRule('gone');
    await sync.close();
    await before.store.close();

    // Act
    const after = await openMetadataDatabase({ backend: 'pglite', dataDir });
    const restarted = newEngine();
    const resumed = await startRuleSync({
      engine: restarted,
      store: createSqlRuleStore(after.client),
      clock,
    });

    // Assess
    expect(restarted.listRules().map((rule) => rule.id)).toEqual(['durable']);
    expect(restarted.getRule('durable')?.fault).toEqual({ type: 's3_error', code: 'SlowDown' });
    await resumed.close();
    await after.store.close();
  });

  it('keeps the kill switch and the rules of an embedded runtime across a restart', async () => {
    // Prepare
    const config = loadConfig({ DATA_DIR: join(dataDir, 'runtime'), LOG_LEVEL: 'silent' });
    const overrides = () => ({ nodes: [createMemoryNode('node-1')], logger: silentLogger, reconcile: false });
    const first = await createRuntime(config, overrides());
    first.faults.addRule({
      id: 'kept',
      match: { operation: 'GetObject' },
      fault: { type: 'latency', ms: 5 },
    });
    first.faults.disableAll();
    first.faults.enable();
    first.faults.addRule({
      id: 'after-kill',
      match: { operation: 'PutObject' },
      fault: { type: 'latency', ms: 5 },
    });
    first.faults.disableAll();
    await first.close();

    // Act
    const second = await createRuntime(config, overrides());
    const killed = second.faults.status();
    second.faults.enable();
    second.faults.addRule({
      id: 'new',
      match: { operation: 'GetObject' },
      fault: { type: 'latency', ms: 5 },
    });
    await second.close();
    const third = await createRuntime(config, overrides());

    // Assess
    expect(killed).toMatchObject({ killSwitch: true, reason: 'kill_switch', rules: 0 });
    expect(third.faults.status()).toMatchObject({ killSwitch: false, rules: 1 });
    expect(third.faults.getRule('new')).toBeDefined();
    await third.close();
  });
});
