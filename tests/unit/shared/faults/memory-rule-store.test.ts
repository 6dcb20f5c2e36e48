import { describe, expect, it } from '@jest/globals';
import { createMemoryRuleStore } from '../../../../shared/faults/adapters/memory-rule-store.js';
import { parseRule } from '../../../../shared/faults/parse-rule.js';
import { parseOptions } from './fault-fixtures.js';

describe('createMemoryRuleStore', () => {
  it('saves, replaces, removes and clears rules, handing out copies', async () => {
    // Prepare
    const options = parseOptions();
    const a = parseRule({ id: 'a', fault: { type: 'latency', ms: 1 } }, options);
    const b = parseRule({ id: 'b', fault: { type: 'latency', ms: 2 } }, options);
    const store = createMemoryRuleStore([a]);

    // Act
    await store.save(b);
    await store.save({ ...a, rate: 0.5 });
    const loaded = await store.load();
    loaded[0]!.rate = 0;
    const reloaded = await store.load();
    await store.remove('a');
    const afterRemove = await store.load();
    await store.clear();

    // Assess
    expect(reloaded.map((r) => [r.id, r.rate])).toEqual([
      ['a', 0.5],
      ['b', 1],
    ]);
    expect(afterRemove.map((r) => r.id)).toEqual(['b']);
    expect(await store.load()).toEqual([]);
  });
});
