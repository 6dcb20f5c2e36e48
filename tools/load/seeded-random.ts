/**
 * The load generator's one source of randomness: a seeded stream of numbers in [0, 1). The same
 * seed gives the same stream (the fault engine's draw function, so both replay the same way).
 */
import { draw, ruleStream } from '../../shared/faults/random.js';

export interface RandomSource {
  /** The next number in [0, 1). */
  next(): number;
}

export class SeededRandom implements RandomSource {
  private readonly stream: number;
  private index = 0;

  constructor(seed: number) {
    this.stream = ruleStream(seed, 'mock-s3-load');
  }

  next(): number {
    return draw(this.stream, this.index++);
  }
}

/** An integer in [0, bound). */
export function randomIndex(random: RandomSource, bound: number): number {
  return Math.min(bound - 1, Math.floor(random.next() * bound));
}
