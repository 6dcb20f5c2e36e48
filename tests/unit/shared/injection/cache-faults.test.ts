import { describe, expect, it } from '@jest/globals';
import { createMemoryCache } from '../../../../shared/cache/adapters/memory-cache.js';
import { createFaultEngine } from '../../../../shared/faults/engine.js';
import { withCacheFaults } from '../../../../shared/injection/cache-faults.js';
import { DAY_MS, manualClock } from '../faults/fault-fixtures.js';

describe('cache_flush', () => {
  it('expires every entry set through the client, also those set before any rule existed', async () => {
    // Prepare
    const clock = manualClock();
    const engine = createFaultEngine({ clock, enabled: true, maxTtlMs: DAY_MS });
    const inner = createMemoryCache();
    const cache = withCacheFaults(inner, engine, { clock, staleRetentionMs: () => 0 });
    await cache.set('obj:b/one', 'one', 60);
    await cache.set('obj:b/two', 'two', 60);
    engine.addRule({ match: { point: 'cache.get', key: 'obj:b/one' }, fault: { type: 'cache_flush' } });

    // Act
    const read = await cache.get('obj:b/one');

    // Assess
    expect(read).toBeUndefined();
    expect(await inner.getMany(['obj:b/one', 'obj:b/two'])).toEqual([undefined, undefined]);
  });
});
