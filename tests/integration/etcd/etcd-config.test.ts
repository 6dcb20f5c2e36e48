import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createEtcdConfigSource } from '../../../shared/config/adapters/etcd-config-source.js';
import type { DynamicSettings } from '../../../shared/config/dynamic-config.js';
import { createLiveConfig } from '../../../shared/config/live-config.js';
import type { ConfigChange, ConfigSource } from '../../../shared/config/ports.js';
import { assertEtcdAnswers, ETCD_URL, eventually, inspectEtcd, scratchPrefix } from './etcd-scratch.js';

const prefix = scratchPrefix('config');
const inspector = inspectEtcd();
const sources: ConfigSource[] = [];

const DEFAULTS: DynamicSettings = {
  'storage.replicas': 2,
  'http.retries': 2,
  'http.timeoutMs': 10_000,
  'gateway.rateLimit': 0,
  'faults.enabled': false,
};

beforeAll(assertEtcdAnswers);

afterAll(async () => {
  await Promise.all(sources.map((source) => source.close()));
  await inspector.delete().prefix(prefix).exec();
  inspector.close();
});

function source(namespace: string): ConfigSource {
  const opened = createEtcdConfigSource({ etcdUrl: ETCD_URL, prefix: `${prefix}${namespace}/` });
  sources.push(opened);
  return opened;
}

describe('createEtcdConfigSource', () => {
  it('stores JSON values under its prefix, lists and deletes them', async () => {
    // Prepare
    const config = source('crud');

    // Act
    await config.set('http.retries', 4);
    await config.set('faults.enabled', true);
    const removed = await config.delete('faults.enabled');
    const removedAgain = await config.delete('faults.enabled');

    // Assess
    expect(await inspector.get(`${prefix}crud/http.retries`).string()).toBe('4');
    expect(await config.get('http.retries')).toBe(4);
    expect(await config.get('faults.enabled')).toBeUndefined();
    expect(await config.all()).toEqual({ 'http.retries': 4 });
    expect([removed, removedAgain]).toEqual([true, false]);
  });

  it('reads a value written by hand that is not JSON as a string', async () => {
    // Prepare
    const config = source('raw');

    // Act
    await inspector.put(`${prefix}raw/faults.enabled`).value('on');

    // Assess
    expect(await config.get('faults.enabled')).toBe('on');
  });

  it('reports puts and deletes to a watcher', async () => {
    // Prepare
    const config = source('watch');
    const changes: ConfigChange[] = [];
    let notify: (change: ConfigChange) => void = () => undefined;
    const subscription = await config.watch((change) => {
      changes.push(change);
      notify(change);
    });
    const deleted = eventually<ConfigChange>(
      (emit) => {
        notify = emit;
        return () => undefined;
      },
      (change) => change.value === undefined,
      3000,
      'the delete',
    );

    // Act
    await config.set('gateway.rateLimit', 50);
    await config.delete('gateway.rateLimit');
    await deleted;

    // Assess
    expect(changes).toEqual([
      { key: 'gateway.rateLimit', value: 50 },
      { key: 'gateway.rateLimit', value: undefined },
    ]);
    await subscription.close();
  });
});

describe('createLiveConfig over etcd', () => {
  it('loads stored values at start', async () => {
    // Prepare
    const config = source('load');
    await config.set('storage.replicas', 3);

    // Act
    const live = await createLiveConfig(config, DEFAULTS);

    // Assess
    expect(live.get('storage.replicas')).toBe(3);
    await live.close();
  });

  it('puts a change in force in under a second, in another client', async () => {
    // Prepare: the writer and the reader are separate etcd clients, as two services would be.
    const writer = source('live');
    const live = await createLiveConfig(source('live'), DEFAULTS);
    const applied = eventually<number>(
      (emit) => live.onChange('http.timeoutMs', emit),
      (value) => value === 750,
      3000,
      'http.timeoutMs = 750',
    );
    const started = performance.now();

    // Act
    await writer.set('http.timeoutMs', 750);
    await applied;

    // Assess
    expect(performance.now() - started).toBeLessThan(1000);
    expect(live.get('http.timeoutMs')).toBe(750);
    await live.close();
  });

  it('never applies an invalid value written around the API, and reverts on delete', async () => {
    // Prepare
    const writer = source('guard');
    await writer.set('http.retries', 5);
    const live = await createLiveConfig(source('guard'), DEFAULTS);
    const seen: number[] = [];
    live.onChange('http.retries', (value) => seen.push(value));
    const reverted = eventually<number>(
      (emit) => live.onChange('http.retries', emit),
      (value) => value === DEFAULTS['http.retries'],
      3000,
      'http.retries back to its default',
    );

    // Act
    await inspector.put(`${prefix}guard/http.retries`).value('999');
    await writer.delete('http.retries');
    await reverted;

    // Assess
    expect(seen).toEqual([2]);
    await live.close();
  });
});
