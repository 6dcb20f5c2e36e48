/**
 * The live rules of one instance with their per-instance counters, and an index of the enabled
 * rules by (point, service), sorted in evaluation order, so an event only looks at the rules
 * that can concern it.
 */
import { matcherOf, type RuleMatcher } from './match.js';
import { ruleStream } from './random.js';
import type { FaultService, InjectionPoint, Rule } from './rule.js';
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
}

/** Evaluation order: higher priority first, then id, so every instance orders alike. */
export function byEvaluationOrder(a: RuleEntry, b: RuleEntry): number {
  return b.rule.priority - a.rule.priority || (a.rule.id < b.rule.id ? -1 : a.rule.id > b.rule.id ? 1 : 0);
}

export class RuleSet {
  private readonly entries = new Map<string, RuleEntry>();
  private readonly candidates = new Map<string, Candidates>();

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
    };
    this.entries.set(rule.id, entry);
    this.candidates.clear();
    return entry;
  }

  delete(id: string): boolean {
    const deleted = this.entries.delete(id);
    if (deleted) this.candidates.clear();
    return deleted;
  }

  clear(): void {
    this.entries.clear();
    this.candidates.clear();
  }

  /** Drops every rule expired at `nowMs`; expiry needs no publishing, each instance sees it. */
  prune(nowMs: number): void {
    for (const [id, entry] of this.entries) {
      if (entry.expiresAtMs <= nowMs) {
        this.entries.delete(id);
        this.candidates.clear();
      }
    }
  }

  /**
   * Enabled rules at a point for a service (or for any service), in evaluation order: rules naming
   * one exact bucket are indexed by it, the others naming an operation by that, so a request only
   * looks at its bucket's rules, its operation's rules and the rest; the caller merges the lists.
   */
  candidatesFor(point: InjectionPoint, service: FaultService): Candidates {
    const cacheKey = `${point}|${service}`;
    let candidates = this.candidates.get(cacheKey);
    if (candidates === undefined) {
      candidates = { general: [], byBucket: new Map(), byOperation: new Map() };
      for (const entry of this.entries.values()) {
        const match = entry.rule.match;
        if (!entry.rule.enabled || match.point !== point) continue;
        if (match.service !== undefined && match.service !== service) continue;
        if (match.bucket !== undefined && !match.bucket.includes('*')) {
          addTo(candidates.byBucket, match.bucket, entry);
        } else if (match.operation !== undefined) {
          addTo(candidates.byOperation, match.operation, entry);
        } else {
          candidates.general.push(entry);
        }
      }
      candidates.general.sort(byEvaluationOrder);
      for (const list of candidates.byBucket.values()) list.sort(byEvaluationOrder);
      for (const list of candidates.byOperation.values()) list.sort(byEvaluationOrder);
      this.candidates.set(cacheKey, candidates);
    }
    return candidates;
  }
}

/** The rules an event at one point may concern, each list in evaluation order. */
export interface Candidates {
  general: RuleEntry[];
  byBucket: Map<string, RuleEntry[]>;
  /** Rules with an exact operation and no exact bucket. */
  byOperation: Map<string, RuleEntry[]>;
}

function addTo(index: Map<string, RuleEntry[]>, key: string, entry: RuleEntry): void {
  const list = index.get(key);
  if (list === undefined) index.set(key, [entry]);
  else list.push(entry);
}

/** The rule as the API shows it: with this instance's hit count. */
export function ruleView(entry: RuleEntry): Rule {
  return { ...entry.rule, hits: entry.counters.fired };
}
