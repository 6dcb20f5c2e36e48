/**
 * Matching an event against a rule. Patterns are compiled once per rule (and cached), and the
 * cheap equality checks run before any regular expression, because the engine asks every rule of
 * a point on every request.
 */
import type { FaultService, FaultType, InjectionPoint, Rule, RuleMatch } from './rule.js';
import { RuleValidationError } from './validation.js';

/** What a point tells the engine about the event at hand. */
export interface FaultEvent {
  service: FaultService;
  point: InjectionPoint;
  /** S3 operation name (`GetObject`) or internal operation (`delete_from_storage`). */
  operation?: string;
  method?: string;
  /**
   * Raw request path in path style (`/bucket/key`), query string allowed (it is ignored);
   * for a virtual-host request, the caller puts the bucket back in front.
   */
  path?: string;
  bucket?: string;
  key?: string;
  node?: string;
  /** Request headers with lower-cased names. */
  headers?: Readonly<Record<string, string | undefined>>;
  /** Object or body size in bytes, when known. */
  size?: number;
  requestId?: string;
}

/** The first field of `match` an event fails, as a path; used by `explain`. */
export type MatchField = `match.${keyof RuleMatch}`;

/** Compiles a glob where `*` matches any characters, `/` included; everything else is literal. */
export function compileGlob(glob: string): RegExp {
  return new RegExp(`^${globBody(glob)}$`, 's');
}

/** A glob as a test function: the common shapes (`exact`, `prefix*`) skip the RegExp. */
export type GlobTest = (text: string) => boolean;

/** Compiles a glob into its cheapest test. */
export function globTest(glob: string): GlobTest {
  const star = glob.indexOf('*');
  if (star === -1) return (text) => text === glob;
  if (star === glob.length - 1) {
    const prefix = glob.slice(0, -1);
    return (text) => text.startsWith(prefix);
  }
  const regexp = compileGlob(glob);
  const prefix = glob.slice(0, star);
  return (text) => text.startsWith(prefix) && regexp.test(text);
}

function globBody(glob: string): string {
  return glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
}

const PARAM = /^:([A-Za-z_][A-Za-z0-9_]*)$/;
const METHOD = /^(\*|[A-Z]+)$/;
const PATH_SEGMENT = /^[^\s?#]*$/;

/** An endpoint pattern, compiled: `PUT /:bucket/:key` -> method and path expression. */
export interface CompiledEndpoint {
  /** Upper-case method, or undefined for any method. */
  method: string | undefined;
  path: RegExp;
  /** The literal text every matching path starts with (`/reports/` for `/reports/*`), at least `/`. */
  literalPrefix: string;
}

/**
 * Compiles a route pattern such as `PUT /:bucket/:key`: the method is optional (`*` or absent:
 * any), `:key` is greedy (any number of `/`), other `:params` match one segment, `*` matches
 * any characters. A trailing `/` on the request is tolerated.
 * @throws RuleValidationError (field `match.endpoint`) when the pattern is malformed.
 */
export function compileEndpoint(pattern: string): CompiledEndpoint {
  const fail = (why: string) => new RuleValidationError('match.endpoint', why);
  const parts = pattern.trim().split(/\s+/);
  if (parts.length > 2) throw fail('must be "METHOD /path" or "/path"');
  const methodText = parts.length === 2 ? parts[0]! : '*';
  const pathText = parts.length === 2 ? parts[1]! : parts[0]!;
  if (!METHOD.test(methodText)) throw fail(`bad method ${JSON.stringify(methodText)}`);
  if (!pathText.startsWith('/')) throw fail('the path must start with /');
  let greedyEnd = false;
  const segments: string[] = [];
  let literalPrefix = '';
  let literal = true;
  for (const segment of pathText.slice(1).split('/')) {
    if (literal) {
      const open = segment.startsWith(':') ? 0 : segment.indexOf('*');
      literalPrefix += `/${open === -1 ? segment : segment.slice(0, open)}`;
      literal = open === -1;
    }
    if (segment.startsWith(':')) {
      const name = PARAM.exec(segment)?.[1];
      if (name === undefined) throw fail(`bad parameter ${JSON.stringify(segment)}`);
      greedyEnd = name === 'key';
      segments.push(greedyEnd ? '.+' : '[^/]+');
      continue;
    }
    if (!PATH_SEGMENT.test(segment)) throw fail(`bad segment ${JSON.stringify(segment)}`);
    greedyEnd = segment.endsWith('*');
    segments.push(globBody(segment));
  }
  const body = `/${segments.join('/')}`;
  const trailing = greedyEnd || body.endsWith('/') ? '' : '/?';
  return {
    method: methodText === '*' ? undefined : methodText,
    path: new RegExp(`^${body}${trailing}$`, 's'),
    literalPrefix,
  };
}

/**
 * The operations a fault applies to, for faults that describe what one kind of read sees: their
 * rules meet only these events, whatever `match` says, so `after`, `every`, `times` and the rate
 * draws count only reads or listings (a PUT never spends them). CopyObject and UploadPartCopy read
 * their source server-side, under the destination's key: consistency faults leave them alone.
 */
export const FAULT_OPERATIONS: { readonly [T in FaultType]?: readonly string[] } = {
  list_lag: ['ListObjects', 'ListObjectsV2', 'ListObjectVersions'],
  read_after_write_miss: ['GetObject', 'HeadObject'],
  stale_read: ['GetObject', 'HeadObject'],
};

/** A rule's `match`, compiled (with the operations its fault applies to). */
export class RuleMatcher {
  /** The fault type the matcher was compiled for. */
  readonly faultType: FaultType | undefined;
  private readonly operations: readonly string[] | undefined;
  private readonly match: RuleMatch;
  private readonly endpoint: CompiledEndpoint | undefined;
  private readonly bucket: GlobTest | undefined;
  private readonly key: GlobTest | undefined;
  private readonly node: GlobTest | undefined;
  private readonly headers: [string, string][] | undefined;

  constructor(match: RuleMatch, faultType?: FaultType) {
    this.faultType = faultType;
    this.operations = faultType === undefined ? undefined : FAULT_OPERATIONS[faultType];
    this.match = match;
    this.endpoint = match.endpoint === undefined ? undefined : compileEndpoint(match.endpoint);
    this.bucket = match.bucket === undefined ? undefined : globTest(match.bucket);
    this.key = match.key === undefined ? undefined : globTest(match.key);
    this.node = match.node === undefined ? undefined : globTest(match.node);
    this.headers =
      match.headers === undefined
        ? undefined
        : Object.entries(match.headers).map(([name, value]) => [name.toLowerCase(), value]);
  }

  /** The first field the event fails, or undefined when it matches; `event.method` upper-case. */
  mismatch(event: FaultEvent): MatchField | undefined {
    const m = this.match;
    if (m.point !== event.point) return 'match.point';
    if (m.service !== undefined && m.service !== event.service) return 'match.service';
    if (m.operation !== undefined && m.operation !== event.operation) return 'match.operation';
    if (this.operations !== undefined && !this.operations.includes(event.operation ?? '')) {
      return 'match.operation';
    }
    if (m.minSize !== undefined && (event.size === undefined || event.size < m.minSize))
      return 'match.minSize';
    if (m.maxSize !== undefined && (event.size === undefined || event.size > m.maxSize))
      return 'match.maxSize';
    if (this.headers !== undefined) {
      for (const [name, value] of this.headers) {
        if (event.headers?.[name] !== value) return 'match.headers';
      }
    }
    if (this.endpoint !== undefined && !endpointMatches(this.endpoint, event)) return 'match.endpoint';
    if (this.bucket !== undefined && (event.bucket === undefined || !this.bucket(event.bucket))) {
      return 'match.bucket';
    }
    if (this.key !== undefined && (event.key === undefined || !this.key(event.key))) return 'match.key';
    if (this.node !== undefined && (event.node === undefined || !this.node(event.node))) return 'match.node';
    return undefined;
  }
}

function endpointMatches(endpoint: CompiledEndpoint, event: FaultEvent): boolean {
  // The method is upper-cased once per event (see `normaliseEvent`), not once per rule.
  if (endpoint.method !== undefined && endpoint.method !== event.method) return false;
  if (event.path === undefined) return false;
  const query = event.path.indexOf('?');
  return endpoint.path.test(query === -1 ? event.path : event.path.slice(0, query));
}

const matchers = new WeakMap<RuleMatch, RuleMatcher>();

/** The compiled matcher of a rule, built on first use and cached for the life of its `match`. */
export function matcherOf(rule: Rule): RuleMatcher {
  let matcher = matchers.get(rule.match);
  if (matcher === undefined || matcher.faultType !== rule.fault.type) {
    matcher = new RuleMatcher(rule.match, rule.fault.type);
    matchers.set(rule.match, matcher);
  }
  return matcher;
}

/** The event with an upper-case method, as matchers expect; the same object when it already is. */
export function normaliseEvent(event: FaultEvent): FaultEvent {
  const method = event.method;
  if (method === undefined) return event;
  const upper = method.toUpperCase();
  return upper === method ? event : { ...event, method: upper };
}

/** Tells whether an event satisfies every condition of a rule's `match`. */
export function matchesRule(rule: Rule, event: FaultEvent): boolean {
  return matcherOf(rule).mismatch(normaliseEvent(event)) === undefined;
}
