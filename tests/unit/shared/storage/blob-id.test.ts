import { describe, expect, it } from '@jest/globals';
import { isValidBlobId, newBlobId } from '../../../../shared/storage/blob-id.js';

describe('newBlobId', () => {
  it('gives 128-bit lower-case hex ids, all distinct across several refills of its entropy pool', () => {
    // Act
    const ids = Array.from({ length: 1000 }, () => newBlobId());

    // Assess
    expect(new Set(ids).size).toBe(1000);
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      expect(isValidBlobId(id)).toBe(true);
    }
  });

  it('gives the ids minted in one turn of the event loop one shard prefix, a fresh one each turn', async () => {
    // Act
    const turns: string[][] = [];
    for (let turn = 0; turn < 20; turn++) {
      turns.push(Array.from({ length: 5 }, () => newBlobId()));
      await new Promise((resolve) => setImmediate(resolve));
    }

    // Assess
    for (const ids of turns) expect(new Set(ids.map((id) => id.slice(0, 2))).size).toBe(1);
    // Twenty turns on one prefix would be a 1 in 256^19 chance.
    expect(new Set(turns.map((ids) => ids[0]!.slice(0, 2))).size).toBeGreaterThan(1);
  });

  it('takes its bytes from an injected random source when given one', () => {
    // Act
    const id = newBlobId((size) => Buffer.alloc(size, 0xab));

    // Assess
    expect(id).toBe('ab'.repeat(16));
  });
});
