import type { OriginAnswer, OriginObject } from '../origin/ports.js';

/** The bytes of bodies one origin's memory keeps by default (see {@link OriginAnswerMemory}). */
export const ORIGIN_MEMORY_BYTES = 8 * 1024 * 1024;

/** Distinct answers kept per key: the latest, and the one before it that differed. */
const VERSIONS_PER_KEY = 2;

/**
 * The answers one origin gave lately, for the faults that answer with something the origin said
 * before: `stale` (an earlier answer for the same key) and `dirty {mode: other_object}` (another
 * key's body). Bounded in bytes: the keys remembered longest ago are forgotten first, and a body
 * larger than the whole budget is not kept. Answers are kept as the origin gave them, before any
 * fault changed them.
 */
export class OriginAnswerMemory {
  /** Per key, its distinct answers, newest last; the map in order of remembering, oldest first. */
  private readonly byKey = new Map<string, OriginAnswer[]>();
  private bytes = 0;

  constructor(private readonly maxBytes = ORIGIN_MEMORY_BYTES) {}

  /** Notes what the origin answered for `key` now. */
  remember(key: string, answer: OriginAnswer): void {
    if (sizeOf(answer) > this.maxBytes) return;
    const previous = this.byKey.get(key) ?? [];
    const versions = [...previous.filter((held) => !sameAnswer(held, answer)), answer].slice(
      -VERSIONS_PER_KEY,
    );
    this.bytes += total(versions) - total(previous);
    this.byKey.delete(key);
    this.byKey.set(key, versions);
    this.evict(key);
  }

  /** Whether anything is remembered for `key`. */
  has(key: string): boolean {
    return this.byKey.has(key);
  }

  /** The newest answer remembered for `key` that differs from `current`, if any. */
  previous(key: string, current: OriginAnswer): OriginAnswer | undefined {
    const versions = this.byKey.get(key) ?? [];
    for (let i = versions.length - 1; i >= 0; i--) {
      if (!sameAnswer(versions[i]!, current)) return versions[i];
    }
    return undefined;
  }

  /** The object of another key remembered most recently whose body differs from `body`. */
  otherObject(key: string, body: Buffer): OriginObject | undefined {
    const entries = [...this.byKey];
    for (let i = entries.length - 1; i >= 0; i--) {
      const [other, versions] = entries[i]!;
      if (other === key) continue;
      for (let v = versions.length - 1; v >= 0; v--) {
        const answer = versions[v]!;
        if (answer.found && !answer.object.body.equals(body)) return answer.object;
      }
    }
    return undefined;
  }

  /** Forgets the oldest answers until the bodies fit the budget; `latest` keeps its newest answer. */
  private evict(latest: string): void {
    for (const [key, versions] of this.byKey) {
      if (this.bytes <= this.maxBytes) return;
      if (key === latest) {
        const kept = versions.slice(-1);
        this.bytes -= total(versions) - total(kept);
        this.byKey.set(key, kept);
        continue;
      }
      this.bytes -= total(versions);
      this.byKey.delete(key);
    }
  }
}

function sizeOf(answer: OriginAnswer): number {
  return answer.found ? answer.object.body.length : 0;
}

function total(versions: readonly OriginAnswer[]): number {
  return versions.reduce((sum, answer) => sum + sizeOf(answer), 0);
}

/** Two answers are the same version: both 404, or the same ETag and size (the same bytes without an ETag). */
function sameAnswer(a: OriginAnswer, b: OriginAnswer): boolean {
  if (!a.found || !b.found) return a.found === b.found;
  const x = a.object;
  const y = b.object;
  if (x.body.length !== y.body.length) return false;
  if (x.etag !== undefined && y.etag !== undefined) return x.etag === y.etag;
  return x.body.equals(y.body);
}
