import { describe, expect, it } from '@jest/globals';
import { placeReplicas, rankNodes } from '../../../../shared/storage/placement.js';

const blobIds = Array.from({ length: 10_000 }, (_, i) => `blob${i.toString(16).padStart(8, '0')}`);
const nodes = ['node-1', 'node-2', 'node-3', 'node-4', 'node-5'];

describe('rankNodes', () => {
  it('returns every node once, in the same order on every call', () => {
    // Act
    const first = rankNodes('0123456789abcdef', nodes);
    const again = rankNodes('0123456789abcdef', [...nodes].reverse());

    // Assess
    expect([...first].sort()).toEqual(nodes);
    expect(again).toEqual(first);
  });

  it('spreads primaries evenly across nodes', () => {
    // Prepare
    const counts = new Map<string, number>();

    // Act
    for (const blobId of blobIds) {
      const primary = rankNodes(blobId, nodes)[0]!;
      counts.set(primary, (counts.get(primary) ?? 0) + 1);
    }

    // Assess: each node within 5% of its fair share
    const fair = blobIds.length / nodes.length;
    for (const node of nodes) {
      expect(Math.abs((counts.get(node) ?? 0) - fair) / fair).toBeLessThan(0.05);
    }
  });

  it('spreads every rank position evenly (second choices are not correlated with first)', () => {
    // Prepare
    const pairs = new Map<string, number>();

    // Act
    for (const blobId of blobIds) {
      const [a, b] = rankNodes(blobId, nodes);
      pairs.set(`${a}>${b}`, (pairs.get(`${a}>${b}`) ?? 0) + 1);
    }

    // Assess: 20 ordered pairs, each within 12% of its fair share
    expect(pairs.size).toBe(nodes.length * (nodes.length - 1));
    const fair = blobIds.length / pairs.size;
    for (const count of pairs.values()) expect(Math.abs(count - fair) / fair).toBeLessThan(0.12);
  });
});

describe('placeReplicas', () => {
  it('returns the first R of the ranking', () => {
    // Act
    const placement = placeReplicas('abcdefgh12', nodes, 3);

    // Assess
    expect(placement).toEqual(rankNodes('abcdefgh12', nodes).slice(0, 3));
  });

  it('moves only blobs whose placement gains the new node when a node is added', () => {
    // Prepare
    const grown = [...nodes, 'node-6'];

    // Act
    let moved = 0;
    for (const blobId of blobIds) {
      const before = placeReplicas(blobId, nodes, 2);
      const after = placeReplicas(blobId, grown, 2);
      if (after.join() !== before.join()) {
        moved += 1;
        // Assess: a change always means node-6 entered, and the old survivors kept their order
        expect(after).toContain('node-6');
        expect(after.filter((node) => node !== 'node-6')).toEqual(
          before.filter((node) => after.includes(node)),
        );
      }
    }

    // Assess: about R/N' = 2/6 of the blobs move
    expect(moved / blobIds.length).toBeGreaterThan(0.3);
    expect(moved / blobIds.length).toBeLessThan(0.37);
  });

  it('moves only the blobs the removed node held when a node is removed', () => {
    // Prepare
    const shrunk = nodes.filter((node) => node !== 'node-3');

    // Act
    let moved = 0;
    for (const blobId of blobIds) {
      const before = placeReplicas(blobId, nodes, 2);
      const after = placeReplicas(blobId, shrunk, 2);
      if (after.join() !== before.join()) {
        moved += 1;
        expect(before).toContain('node-3');
      }
    }

    // Assess: about R/N = 2/5 of the blobs had a replica on node-3
    expect(moved / blobIds.length).toBeGreaterThan(0.37);
    expect(moved / blobIds.length).toBeLessThan(0.43);
  });
});
