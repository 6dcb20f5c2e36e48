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

  it('takes its bytes from an injected random source when given one', () => {
    // Act
    const id = newBlobId((size) => Buffer.alloc(size, 0xab));

    // Assess
    expect(id).toBe('ab'.repeat(16));
  });
});
