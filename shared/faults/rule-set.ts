/**
 * The live rules of one instance with their per-instance counters, and an index of the enabled
 * rules by (point, service) and then by the conditions they set (rule-index.ts), ranked in
 * evaluation order, so an event only looks at the rules that can concern it.
 */
import { matcherOf, type RuleMatcher } from './match.js';
import { ruleStream } from './random.js';
import type { FaultService, InjectionPoint, Rule } from './rule.js';
import { RuleIndex } from './rule-index.js';
import { ThrottleWindows } from './throttle.js';

/** Per-instance counters of a rule: kept across updates, reset on scenario activation. */
export interface RuleCounters {
  /** Matching events seen (the next match index). */
  matches: number;
  /** Firings (the `hits` of the rule). */
  fired: number;
  throttle: ThrottleWindows | undefined;
}

export interface RuleEntry {
  rule: Rule;
  matcher: RuleMatcher;
  expiresAtMs: number;
  windowStartMs: number;
  windowEndMs: number;
  /** Draw stream of (seed, id) for firing decisions, and a second one for jitter. */
  stream: number;
  jitterStream: number;
  counters: RuleCounters;
  /** Position in evaluation order, set when the index is built (lower first). */
  rank: number;
}

/** Evaluation order: higher priority first, then id, so every instance orders alike. */
export function byEvaluationOrder(a: RuleEntry, b: RuleEntry): number {
  return b.rule.priority - a.rule.priority || (a.rule.id < b.rule.id ? -1 : a.rule.id > b.rule.id ? 1 : 0);
}

export class RuleSet {
  private readonly entries = new Map<string, RuleEntry>();
  /** Built on demand per point and service; dropped whenever the rules change. */
  private readonly candidates = new Map<InjectionPoint, Map<FaultService, Candidates>>();
  private ranked = false;

  get size(): number {
    return this.entries.size;
  }

  get(id: string): RuleEntry | undefined {
    return this.entries.get(id);
  }

  all(): RuleEntry[] {
    return [...this.entries.values()];
  }

  /** Inserts or replaces a rule; counters survive a replacement unless `resetCounters`. */
  put(rule: Rule, resetCounters = false): RuleEntry {
    const previous = this.entries.get(rule.id);
    const counters =
      previous === undefined || resetCounters
        ? { matches: 0, fired: 0, throttle: undefined }
        : previous.counters;
    if (rule.fault.type === 'throttle') counters.throttle ??= new ThrottleWindows();
    const entry: RuleEntry = {
      rule,
      matcher: matcherOf(rule),
      expiresAtMs: Date.parse(rule.expiresAt),
      windowStartMs:
        rule.window?.start === undefined ? Number.NEGATIVE_INFINITY : Date.parse(rule.window.start),
      windowEndMs: rule.window?.end === undefined ? Number.POSITIVE_INFINITY : Date.parse(rule.window.end),
      stream: ruleStream(rule.seed, rule.id),
      jitterStream: ruleStream(rule.seed, `${rule.id}#jitter`),
      counters,
      rank: 0,
    };
    this.entries.set(rule.id, entry);
    this.changed();
    return entry;
  }

  delete(id: string): boolean {
    const deleted = this.entries.delete(id);
    if (deleted) this.changed();
    return deleted;
  }

  clear(): void {
    this.entries.clear();
    this.changed();
  }

  /** Drops every rule expired at `nowMs`; expiry needs no publishing, each instance sees it. */
  prune(nowMs: number): void {
    for (const [id, entry] of this.entries) {
      if (entry.expiresAtMs <= nowMs) {
        this.entries.delete(id);
        this.changed();
      }
    }
  }

  private changed(): void {
    this.candidates.clear();
    this.ranked = false;
  }

  /**
   * The index of the enabled rules at a point for a service (or for any service). Every entry's
   * `rank` is its place in evaluation order among all rules, so lists from different parts of the
   * index merge back into evaluation order by comparing ranks.
   */
  candidatesFor(point: InjectionPoint, service: FaultService): Candidates {
    let byService = this.candidates.get(point);
    if (byService === undefined) {
      byService = new Map();
      this.candidates.set(point, byService);
    }
    let candidates = byService.get(service);
    if (candidates === undefined) {
      this.rank();
      candidates = new RuleIndex<RuleEntry>();
      for (const entry of this.entries.values()) {
        const match = entry.rule.match;
        if (!entry.rule.enabled || match.point !== point) continue;
        if (match.service !== undefined && match.service !== service) continue;
        candidates.add(entry);
      }
      candidates.seal();
      byService.set(service, candidates);
    }
    return candidates;
  }

  private rank(): void {
    if (this.ranked) return;
    const ordered = [...this.entries.values()].sort(byEvaluationOrder);
    for (let rank = 0; rank < ordered.length; rank++) ordered[rank]!.rank = rank;
    this.ranked = true;
  }
}

/** The rules an event at one point may concern (see rule-index.ts). */
export type Candidates = RuleIndex<RuleEntry>;

/** The rule as the API shows it: with this instance's hit count. */
export function ruleView(entry: RuleEntry): Rule {
  return { ...entry.rule, hits: entry.counters.fired };
}
