/**
 * Seeded decisions. A draw is a pure function of (seed, rule id, match index), so the same rules
 * and the same request sequence give the same faults on every run and every instance; nothing
 * here reads a global generator or the wall clock.
 */

/** The murmur3 32-bit finaliser: a bijective avalanche of all 32 bits. */
function fmix32(h: number): number {
  let x = h >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** FNV-1a over UTF-16 code units, finalised with fmix32. */
export function hashString(text: string, basis = 0x811c9dc5): number {
  let h = basis;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

function hashSeed(seed: number | string): number {
  if (typeof seed === 'string') return hashString(seed, 0x2545f491);
  // Both 32-bit halves of an integer seed count, so 1 and 2**32 + 1 differ.
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 0x1_0000_0000) >>> 0;
  return fmix32(lo ^ fmix32(hi + 0x9e3779b9));
}

/**
 * The stream of one rule: combine once, then draw cheaply per match with {@link draw}.
 */
export function ruleStream(seed: number | string, ruleId: string): number {
  return fmix32(hashSeed(seed) ^ Math.imul(hashString(ruleId), 0x9e3779b1));
}

/** A number in [0, 1) for the `matchIndex`-th draw of a stream. */
export function draw(stream: number, matchIndex: number): number {
  const lo = matchIndex >>> 0;
  const hi = Math.floor(matchIndex / 0x1_0000_0000) >>> 0;
  // Two rounds, so consecutive indices give uncorrelated outputs.
  const x = fmix32(stream ^ fmix32(Math.imul(lo, 0x9e3779b1) + 0x7f4a7c15) ^ Math.imul(hi, 0x85ebca77));
  return fmix32(x + 0x632be5ab) / 0x1_0000_0000;
}

/**
 * A decision in [0, 1) for the `matchIndex`-th match of a rule: a pure function of its inputs.
 */
export function decide(seed: number | string, ruleId: string, matchIndex: number): number {
  return draw(ruleStream(seed, ruleId), matchIndex);
}

/** The default seed of a rule: derived from its id, so a rule replays the same without one. */
export function seedFromId(ruleId: string): number {
  return hashString(ruleId, 0x6a09e667);
}
