import { describe, expect, it } from '@jest/globals';
import { createMemoryCache } from '../../../../shared/cache/adapters/memory-cache.js';
import { createFaultEngine } from '../../../../shared/faults/engine.js';
import { withCacheFaults } from '../../../../shared/injection/cache-faults.js';
import { faultAt } from '../../../../shared/injection/fault-point.js';
import { runWithRequestFacts } from '../../../../shared/injection/request-scope.js';
import { DAY_MS, manualClock } from '../faults/fault-fixtures.js';

function engineWith(enabled = true) {
  return createFaultEngine({ clock: manualClock(), enabled, maxTtlMs: DAY_MS });
}

describe('armedAt: may a point skip building its event', () => {
  it('is true only while the engine is on and an enabled rule targets the point and service', () => {
    // Prepare
    const engine = engineWith();
    const before = engine.armedAt('storage.get', 'storage');
    engine.addRule({ id: 'slow-read', match: { point: 'storage.get' }, fault: { type: 'latency', ms: 5 } });

    // Act
    const armed = engine.armedAt('storage.get', 'storage');
    const otherPoint = engine.armedAt('db.query', 'metadata');
    engine.updateRule('slow-read', { enabled: false });
    const disabled = engine.armedAt('storage.get', 'storage');
    engine.updateRule('slow-read', { enabled: true });
    engine.disableAll();
    const killed = engine.armedAt('storage.get', 'storage');

    // Assess
    expect({ before, armed, otherPoint, disabled, killed }).toEqual({
      before: false,
      armed: true,
      otherPoint: false,
      disabled: false,
      killed: false,
    });
  });

  it('is false while the engine is off, even with a rule at the point', () => {
    // Prepare
    const engine = engineWith(false);
    engine.addRule({
      id: 'boom',
      match: { point: 'db.query' },
      fault: { type: 'db_error', sqlstate: '57P01' },
    });

    // Act
    const armed = engine.armedAt('db.query', 'metadata');

    // Assess
    expect(armed).toBe(false);
  });

  it('lets faultAt still fire a rule with the request facts once armed', async () => {
    // Prepare
    const engine = engineWith();
    engine.addRule({
      id: 'only-photos',
      match: { point: 'storage.get', bucket: 'photos' },
      fault: { type: 's3_error', code: 'InternalError' },
    });

    // Act
    const hit = await runWithRequestFacts({ bucket: 'photos', key: 'a.jpg' }, () =>
      faultAt(engine, { service: 'storage', point: 'storage.get' }),
    );
    const miss = await runWithRequestFacts({ bucket: 'videos', key: 'a.mp4' }, () =>
      faultAt(engine, { service: 'storage', point: 'storage.get' }),
    );

    // Assess
    expect(hit?.rule.id).toBe('only-photos');
    expect(miss).toBeUndefined();
  });
});

describe('withCacheFaults getMany', () => {
  it('reads in one call when nothing is armed, and key by key through cache.get rules when armed', async () => {
    // Prepare
    const engine = engineWith();
    const cache = withCacheFaults(createMemoryCache(), engine, {
      clock: manualClock(),
      staleRetentionMs: () => 0,
    });
    await cache.set('obj:photos/a.jpg', 'entry', 60);
    await cache.set('gen:metadata', 'generation', 60);
    const unarmed = await cache.getMany(['obj:photos/a.jpg', 'gen:metadata']);
    engine.addRule({
      id: 'miss-hot-key',
      match: { point: 'cache.get', key: 'obj:photos/a.jpg' },
      fault: { type: 'cache_miss' },
    });

    // Act
    const armed = await cache.getMany(['obj:photos/a.jpg', 'gen:metadata']);

    // Assess
    expect(unarmed).toEqual(['entry', 'generation']);
    expect(armed).toEqual([undefined, 'generation']);
    expect(engine.events().map((firing) => firing.ruleId)).toEqual(['miss-hot-key']);
  });
});
