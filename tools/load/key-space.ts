/**
 * Which key an operation may use, so a verdict stays honest: never two operations on one key at
 * once; reads, copies and deletes only pick keys the generator believes exist (their last outcome
 * was an acknowledged write); a key whose last write or delete failed or got no answer is
 * uncertain and is not read until a write is acknowledged again. So a 404 on a read is a real miss.
 */

/** What the generator believes of a key. */
export type KeyBelief = 'absent' | 'exists' | 'uncertain';

/** How a write or delete ended, as far as the key's belief goes. */
export type KeyOutcome =
  | { readonly kind: 'written'; readonly sha256: string }
  | { readonly kind: 'deleted' }
  | { readonly kind: 'unknown' }
  | { readonly kind: 'unchanged' };

export class KeySpace {
  /** Indices of keys believed to exist, in a dense array for a uniform pick. */
  private readonly existing: number[] = [];
  /** Position of a key in `existing`, or -1. */
  private readonly positionOf: Int32Array;
  private readonly uncertain = new Set<number>();
  private readonly busy = new Set<number>();
  /** SHA-256 of the bytes of the last acknowledged write of each existing key (copy's expectation). */
  private readonly shaOf = new Map<number, string>();
  private readonly touched = new Set<number>();

  constructor(
    readonly size: number,
    private readonly keyPrefix: string,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new Error('the key space needs at least one key');
    this.positionOf = new Int32Array(size).fill(-1);
  }

  keyName(index: number): string {
    return `${this.keyPrefix}k${index}`;
  }

  belief(index: number): KeyBelief {
    if (this.positionOf[index]! >= 0) return 'exists';
    return this.uncertain.has(index) ? 'uncertain' : 'absent';
  }

  inFlight(index: number): boolean {
    return this.busy.has(index);
  }

  /** The SHA-256 of an existing key's last acknowledged bytes. */
  sha256Of(index: number): string | undefined {
    return this.shaOf.get(index);
  }

  /**
   * A key to write, from `draw` in [0, 1): the drawn key, or the next free one after it (no
   * further draws, so the sequence of draws does not depend on timing). Undefined when every key is
   * in flight. `except` is a key the same operation already holds (a copy's source).
   */
  claimForWrite(draw: number, except?: number): number | undefined {
    const start = Math.min(this.size - 1, Math.floor(draw * this.size));
    for (let step = 0; step < this.size; step++) {
      const index = (start + step) % this.size;
      if (index !== except && !this.busy.has(index)) return this.claim(index);
    }
    return undefined;
  }

  /** A key believed to exist and not in flight, from `draw`; undefined when there is none. */
  claimExisting(draw: number): number | undefined {
    const count = this.existing.length;
    if (count === 0) return undefined;
    const start = Math.min(count - 1, Math.floor(draw * count));
    for (let step = 0; step < count; step++) {
      const index = this.existing[(start + step) % count]!;
      if (!this.busy.has(index)) return this.claim(index);
    }
    return undefined;
  }

  /**
   * Believes key `index` exists with these bytes before any operation ran (written by someone else:
   * a drill's origin seeded with it). Not touched until an operation claims it.
   */
  preload(index: number, sha256: string): void {
    if (this.busy.has(index)) throw new Error(`key ${index} is in flight: preload before the load starts`);
    this.uncertain.delete(index);
    this.shaOf.set(index, sha256);
    this.addExisting(index);
  }

  private claim(index: number): number {
    this.busy.add(index);
    this.touched.add(index);
    return index;
  }

  /** The operation on `index` ended: the key is free again, and believed what `outcome` says. */
  release(index: number, outcome: KeyOutcome): void {
    this.busy.delete(index);
    switch (outcome.kind) {
      case 'written':
        this.uncertain.delete(index);
        this.shaOf.set(index, outcome.sha256);
        this.addExisting(index);
        return;
      case 'deleted':
        this.uncertain.delete(index);
        this.shaOf.delete(index);
        this.removeExisting(index);
        return;
      case 'unknown':
        this.uncertain.add(index);
        this.shaOf.delete(index);
        this.removeExisting(index);
        return;
      case 'unchanged':
        return;
    }
  }

  /** Every key an operation targeted. */
  touchedKeys(): string[] {
    return [...this.touched].sort((a, b) => a - b).map((index) => this.keyName(index));
  }

  private addExisting(index: number): void {
    if (this.positionOf[index]! >= 0) return;
    this.positionOf[index] = this.existing.length;
    this.existing.push(index);
  }

  private removeExisting(index: number): void {
    const position = this.positionOf[index]!;
    if (position < 0) return;
    const last = this.existing.pop()!;
    if (last !== index) {
      this.existing[position] = last;
      this.positionOf[last] = position;
    }
    this.positionOf[index] = -1;
  }
}
