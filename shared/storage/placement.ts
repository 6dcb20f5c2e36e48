/**
 * Replica placement by rendezvous (highest random weight) hashing: every node gets a pseudo-random
 * score for a blob, and the blob lives on the R highest-scoring nodes. Adding or removing a node
 * only moves the blobs whose top R it enters or leaves (about R/N of them), and any process that
 * knows the node ids computes the same placement with no shared table.
 *
 * The score is a 53-bit hash of `nodeId + blobId`, built from two 32-bit xor-multiply lanes
 * (FNV-1a and a Murmur-style multiplier), each finished with the Murmur3 avalanche step: a few ns per
 * node, against ~1 µs for a crypto hash, and it matters because every GET ranks the nodes.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const LANE2_SEED = 0x9747b28c;
const LANE2_MULTIPLIER = 0x5bd1e995;
/** 2^21: lane 1 fills the high 32 bits and lane 2 the low 21 bits of a safe integer. */
const HIGH_SHIFT = 2 ** 21;
/** Bound once: inside a vm context (jest) every global lookup of `Math` is slow. */
const imul = Math.imul;

/** Score of `blobId` on `nodeId`; higher wins. Exported for tests and for tools that explain placement. */
export function placementScore(nodeId: string, blobId: string): number {
  let lane1 = FNV_OFFSET;
  let lane2 = LANE2_SEED;
  for (const text of [nodeId, '\u0000', blobId]) {
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      lane1 = imul(lane1 ^ code, FNV_PRIME);
      lane2 = imul(lane2 ^ code, LANE2_MULTIPLIER);
    }
  }
  return avalanche(lane1) * HIGH_SHIFT + (avalanche(lane2 ^ lane1) >>> 11);
}

/** Murmur3's fmix32: every input bit flips each output bit with probability ~1/2. */
function avalanche(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Every node, best first, for `blobId`. Deterministic: equal inputs give equal orders on every
 * process (ties, practically impossible at 53 bits, fall back to the node id).
 */
export function rankNodes(blobId: string, nodeIds: readonly string[]): string[] {
  const scored = nodeIds.map((nodeId) => ({ nodeId, score: placementScore(nodeId, blobId) }));
  scored.sort((a, b) => b.score - a.score || (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0));
  return scored.map((entry) => entry.nodeId);
}

/** The `replicas` nodes that should hold `blobId` (fewer when there are fewer nodes). */
export function placeReplicas(blobId: string, nodeIds: readonly string[], replicas: number): string[] {
  return rankNodes(blobId, nodeIds).slice(0, replicas);
}
