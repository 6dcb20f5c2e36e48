/**
 * The enabled rules of one (point, service), each filed under one condition an event must meet
 * for the rule to match it, so that an event only looks at the rules it could match: an exact
 * header value, an exact bucket, the literal prefix of a key, bucket or node glob, an exact node,
 * an operation, the literal start of an endpoint's path, an endpoint's method. A rule filed nowhere sits in `general` and is asked always.
 *
 * The index is a filter, never a judge: whatever it returns still goes through the rule's matcher,
 * so a rule may be returned for an event it does not match, but a rule is never withheld from an
 * event it matches (each condition used to file a rule is one the matcher requires).
 */
import { compileEndpoint, type FaultEvent } from './match.js';
import type { RuleMatch } from './rule.js';

/** What the index needs of a rule: its `match`, and its rank in evaluation order. */
export interface IndexedRule {
  readonly rule: { readonly match: RuleMatch };
  /** Position in evaluation order among the rules indexed together (lower first). */
  rank: number;
}

/**
 * Lists of rules keyed by the literal prefix of a glob. A text is looked up once per distinct
 * prefix length (rule sets hold few), which touches far less memory than walking a trie one
 * character at a time: on a busy server the index is mostly out of the CPU caches, so memory
 * touched, not instructions, is what a lookup costs.
 */
class PrefixTable<T extends IndexedRule> {
  private readonly byPrefix = new Map<string, T[]>();
  /** Distinct prefix lengths, ascending. */
  private lengths: number[] = [];

  add(prefix: string, entry: T): void {
    addTo(this.byPrefix, prefix, entry);
  }

  get size(): number {
    return this.byPrefix.size;
  }

  /** Adds the list of every prefix of `text` that holds rules. */
  collect(text: string, out: T[][]): void {
    const lengths = this.lengths;
    for (let i = 0; i < lengths.length; i++) {
      const length = lengths[i]!;
      if (length > text.length) return;
      const list = this.byPrefix.get(length === text.length ? text : text.slice(0, length));
      if (list !== undefined) out.push(list);
    }
  }

  seal(): void {
    for (const list of this.byPrefix.values()) list.sort(byRank);
    this.lengths = [...new Set([...this.byPrefix.keys()].map((prefix) => prefix.length))].sort(
      (a, b) => a - b,
    );
  }
}

/** The text before a glob's first `*` (the whole glob when it has none). */
function literalPrefix(glob: string): string {
  const star = glob.indexOf('*');
  return star === -1 ? glob : glob.slice(0, star);
}

function byRank(a: IndexedRule, b: IndexedRule): number {
  return a.rank - b.rank;
}

function addTo<K, T>(index: Map<K, T[]>, key: K, entry: T): void {
  const list = index.get(key);
  if (list === undefined) index.set(key, [entry]);
  else list.push(entry);
}

/** The index of the rules of one (point, service); see the file comment. */
export class RuleIndex<T extends IndexedRule> {
  private readonly general: T[] = [];
  /** Rules naming one exact bucket, indexed again by their other conditions. */
  private readonly byBucket = new Map<string, RuleIndex<T>>();
  private readonly byHeader = new Map<string, Map<string, T[]>>();
  private headerNames: string[] = [];
  private headerValues: Map<string, T[]>[] = [];
  private readonly keyPrefixes = new PrefixTable<T>();
  private readonly bucketPrefixes = new PrefixTable<T>();
  private readonly byNode = new Map<string, T[]>();
  private readonly nodePrefixes = new PrefixTable<T>();
  private readonly byOperation = new Map<string, T[]>();
  /** Rules whose endpoint path starts with literal text (`/reports/` in `GET /reports/*`). */
  private readonly pathPrefixes = new PrefixTable<T>();
  /** Rules whose endpoint names a method (upper-case), for events of that method only. */
  private readonly byMethod = new Map<string, T[]>();
  private count = 0;
  /** Which parts hold rules (bits below), set by `seal`. */
  private parts = 0;

  /** `withinBucket`: the index of one bucket's rules, where the bucket is no longer a condition. */
  constructor(private readonly withinBucket = false) {}

  /** Rules indexed (every list counted). */
  get size(): number {
    return this.count;
  }

  /** Files a rule under the most selective condition it has; call `seal` once all are added. */
  add(entry: T): void {
    this.count += 1;
    const match = entry.rule.match;
    const bucket = match.bucket;
    if (!this.withinBucket && bucket !== undefined && !bucket.includes('*')) {
      let inner = this.byBucket.get(bucket);
      if (inner === undefined) {
        inner = new RuleIndex<T>(true);
        this.byBucket.set(bucket, inner);
      }
      inner.add(entry);
      return;
    }
    const header = match.headers === undefined ? undefined : Object.entries(match.headers)[0];
    if (header !== undefined) {
      // The matcher compares lower-cased names, as events carry them.
      const name = header[0].toLowerCase();
      let byValue = this.byHeader.get(name);
      if (byValue === undefined) {
        byValue = new Map();
        this.byHeader.set(name, byValue);
      }
      addTo(byValue, header[1], entry);
      return;
    }
    this.fileByPattern(match, entry);
  }

  /** Rules with no exact bucket (or within one bucket's index) and no header. */
  private fileByPattern(match: RuleMatch, entry: T): void {
    const keyPrefix = match.key === undefined ? '' : literalPrefix(match.key);
    const bucketPrefix = this.withinBucket || match.bucket === undefined ? '' : literalPrefix(match.bucket);
    const nodePrefix = match.node === undefined ? '' : literalPrefix(match.node);
    const endpoint = match.endpoint === undefined ? undefined : compileEndpoint(match.endpoint);
    if (keyPrefix !== '') this.keyPrefixes.add(keyPrefix, entry);
    else if (bucketPrefix !== '') this.bucketPrefixes.add(bucketPrefix, entry);
    else if (match.node !== undefined && !match.node.includes('*')) addTo(this.byNode, match.node, entry);
    else if (nodePrefix !== '') this.nodePrefixes.add(nodePrefix, entry);
    else if (match.operation !== undefined) addTo(this.byOperation, match.operation, entry);
    else if (endpoint !== undefined && endpoint.literalPrefix.length > 1) {
      this.pathPrefixes.add(endpoint.literalPrefix, entry);
    } else if (endpoint?.method !== undefined) addTo(this.byMethod, endpoint.method, entry);
    else this.general.push(entry);
  }

  /** Sorts every list by rank and notes which parts hold rules; the index is read-only afterwards. */
  seal(): void {
    this.general.sort(byRank);
    for (const inner of this.byBucket.values()) inner.seal();
    for (const byValue of this.byHeader.values()) for (const list of byValue.values()) list.sort(byRank);
    this.headerNames = [...this.byHeader.keys()];
    this.headerValues = [...this.byHeader.values()];
    for (const table of [this.keyPrefixes, this.bucketPrefixes, this.nodePrefixes, this.pathPrefixes])
      table.seal();
    for (const list of this.byNode.values()) list.sort(byRank);
    for (const list of this.byOperation.values()) list.sort(byRank);
    for (const list of this.byMethod.values()) list.sort(byRank);
    const parts: [number, boolean][] = [
      [GENERAL, this.general.length > 0],
      [BUCKET, this.byBucket.size > 0],
      [BUCKET_PREFIX, this.bucketPrefixes.size > 0],
      [HEADER, this.byHeader.size > 0],
      [KEY_PREFIX, this.keyPrefixes.size > 0],
      [NODE, this.byNode.size > 0],
      [NODE_PREFIX, this.nodePrefixes.size > 0],
      [OPERATION, this.byOperation.size > 0],
      [PATH_PREFIX, this.pathPrefixes.size > 0],
      [METHOD, this.byMethod.size > 0],
    ];
    this.parts = parts.reduce((bits, [bit, used]) => (used ? bits | bit : bits), 0);
  }

  /**
   * Adds to `out` every non-empty list of rules the event may match, each in rank order; the
   * lists are disjoint (a rule is filed once). The lists belong to the index: do not change them.
   * Only the parts that hold rules are looked at (`parts`), so an event touches little memory.
   */
  collect(event: FaultEvent, out: T[][]): void {
    const parts = this.parts;
    if (parts === 0) return;
    if (parts & GENERAL) out.push(this.general);
    if (parts & (BUCKET | BUCKET_PREFIX) && event.bucket !== undefined) {
      if (parts & BUCKET) this.byBucket.get(event.bucket)?.collect(event, out);
      if (parts & BUCKET_PREFIX) this.bucketPrefixes.collect(event.bucket, out);
    }
    if (parts & HEADER && event.headers !== undefined) {
      const headers = event.headers;
      for (let i = 0; i < this.headerNames.length; i++) {
        const value = headers[this.headerNames[i]!];
        if (value === undefined) continue;
        const list = this.headerValues[i]!.get(value);
        if (list !== undefined) out.push(list);
      }
    }
    if (parts & KEY_PREFIX && event.key !== undefined) this.keyPrefixes.collect(event.key, out);
    if (parts & (NODE | NODE_PREFIX) && event.node !== undefined) {
      const list = parts & NODE ? this.byNode.get(event.node) : undefined;
      if (list !== undefined) out.push(list);
      if (parts & NODE_PREFIX) this.nodePrefixes.collect(event.node, out);
    }
    if (parts & OPERATION && event.operation !== undefined) {
      const list = this.byOperation.get(event.operation);
      if (list !== undefined) out.push(list);
    }
    if (parts & PATH_PREFIX && event.path !== undefined) this.pathPrefixes.collect(event.path, out);
    if (parts & METHOD && event.method !== undefined) {
      const list = this.byMethod.get(event.method.toUpperCase());
      if (list !== undefined) out.push(list);
    }
  }
}

/** Bits of `RuleIndex.parts`: which parts of an index hold rules. */
const GENERAL = 1;
const BUCKET = 2;
const BUCKET_PREFIX = 4;
const HEADER = 8;
const KEY_PREFIX = 16;
const NODE = 32;
const NODE_PREFIX = 64;
const OPERATION = 128;
const PATH_PREFIX = 256;
const METHOD = 512;
