import { describe, expect, it } from '@jest/globals';
import { createMemoryConfigSource } from '../../../../shared/config/adapters/memory-config-source.js';
import { InvalidConfigKeyError } from '../../../../shared/config/ports.js';

describe('createMemoryConfigSource', () => {
  it('stores, lists and deletes values, and reports each change to watchers', async () => {
    // Prepare
    const source = createMemoryConfigSource({ 'http.retries': 1 });
    const changes: unknown[] = [];
    await source.watch((change) => changes.push(change));

    // Act
    await source.set('faults.enabled', true);
    const removed = await source.delete('http.retries');
    const removedAgain = await source.delete('http.retries');

    // Assess
    expect(await source.all()).toEqual({ 'faults.enabled': true });
    expect(await source.get('http.retries')).toBeUndefined();
    expect([removed, removedAgain]).toEqual([true, false]);
    expect(changes).toEqual([
      { key: 'faults.enabled', value: true },
      { key: 'http.retries', value: undefined },
    ]);
  });

  it('refuses keys that could not name a setting', async () => {
    // Prepare
    const source = createMemoryConfigSource();

    // Act
    const attempt = source.set('../nodes/n1', 1);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(InvalidConfigKeyError);
  });
});
