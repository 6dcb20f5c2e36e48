/**
 * Turns a request body into a canonical `Rule` (FAULTS.md, "A rule"): accepts the canonical form
 * or the flat shorthand, applies the defaults, and refuses unknown fields, mixed forms and
 * impossible values with a `RuleValidationError` naming the field.
 */
import { formatDuration, parseDuration } from './duration.js';
import { parseFault, refuseContradiction } from './fault-schema.js';
import { compileEndpoint, FAULT_OPERATIONS } from './match.js';
import { seedFromId } from './random.js';
import {
  FAULT_POINTS,
  FAULT_SERVICES,
  type Fault,
  faultAllowedAt,
  type InjectionPoint,
  isInjectionPoint,
  POINT_SERVICE,
  type Rule,
  type RuleMatch,
} from './rule.js';
import {
  at,
  bool,
  decimal,
  expectObject,
  type Fields,
  instant,
  integer,
  oneOf,
  RuleValidationError,
  refuseUnknown,
  stringMap,
  text,
} from './validation.js';

export interface ParseRuleOptions {
  /** The current instant (from the injected clock): TTLs count from it. */
  now: Date;
  /** The longest TTL accepted (`FAULTS_MAX_TTL`). */
  maxTtlMs: number;
  /**
   * Assigns an id when the body has none, given the rule's content (its chosen fields as text,
   * equal for equal rules), so the id can be derived from it.
   */
  newId: (content: string) => string;
}

/** The TTL of a rule that gives none (FAULTS.md, defaults). */
export const DEFAULT_TTL_MS = 15 * 60_000;

const CANONICAL_FIELDS = [
  'id',
  'name',
  'scenario',
  'enabled',
  'priority',
  'match',
  'fault',
  'rate',
  'after',
  'times',
  'every',
  'seed',
  'ttl',
  'expiresAt',
  'window',
  'createdAt',
  'hits',
] as const;
const MATCH_FIELDS = [
  'service',
  'point',
  'operation',
  'endpoint',
  'bucket',
  'key',
  'node',
  'headers',
  'minSize',
  'maxSize',
] as const;

/** Shorthand field -> canonical path; `rate`, `ttl`, `scenario` are the same in both forms. */
const SHORTHAND_PATHS = {
  service: 'match.service',
  endpoint: 'match.endpoint',
  operation: 'match.operation',
  bucket: 'match.bucket',
  key: 'match.key',
  type: 'fault.type',
  value_ms: 'fault.ms',
  status: 'fault.status',
  code: 'fault.code',
} as const;
const SHARED_FIELDS = ['rate', 'ttl', 'scenario'];
const SHORTHAND_BACK = Object.fromEntries(
  Object.entries(SHORTHAND_PATHS).map(([flat, path]) => [path, flat]),
);

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const OPERATION_PATTERN = /^[A-Za-z0-9_.:-]+$/;
/** What `match.bucket` accepts: a bucket name, `*` matching any characters. */
export const BUCKET_GLOB = /^[A-Za-z0-9._*-]+$/;
const NODE_GLOB = /^[A-Za-z0-9._:*-]+$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const MAX_COUNT = Number.MAX_SAFE_INTEGER;

/**
 * Parses a rule body in the canonical or the shorthand form into a canonical `Rule`.
 * @throws RuleValidationError naming the offending field (in the form the body used).
 */
export function parseRule(input: unknown, options: ParseRuleOptions): Rule {
  const fields = expectObject(input, 'body');
  if (!isShorthand(fields)) return canonicalRule(fields, options);
  const canonical = shorthandToCanonical(fields);
  try {
    return canonicalRule(canonical, options);
  } catch (error) {
    throw inShorthandTerms(error);
  }
}

/**
 * Applies a PATCH body (canonical or shorthand, partial) to a rule. Objects merge field by field
 * (`match`, `fault`, `window`) and `null` removes a field; a new `fault.type` replaces the whole
 * fault. A new `ttl` or `expiresAt` re-arms the expiry from `now`; otherwise it is kept.
 * Counters and `createdAt` are kept.
 * @throws RuleValidationError naming the offending field.
 */
export function patchRule(rule: Rule, patch: unknown, options: ParseRuleOptions): Rule {
  const fields = expectObject(patch, 'body');
  const shorthand = isShorthand(fields);
  const changes = shorthand ? shorthandToCanonical(fields) : fields;
  try {
    refuseUnknown(changes, CANONICAL_FIELDS, '');
    if (changes.id !== undefined && changes.id !== rule.id) {
      throw new RuleValidationError('id', 'cannot be changed');
    }
    const merged: Fields = { ...ruleInput(rule) };
    for (const [name, value] of Object.entries(changes)) {
      if (name === 'createdAt' || name === 'hits') continue;
      if (name === 'match' || name === 'window') {
        merged[name] = mergeObject(merged[name], value, name);
      } else if (name === 'fault') {
        const next = expectObject(value, 'fault');
        const sameType = next.type === undefined || next.type === rule.fault.type;
        merged.fault = sameType ? mergeObject(merged.fault, next, 'fault') : next;
      } else if (value === null) {
        delete merged[name];
      } else {
        merged[name] = value;
      }
    }
    const rearm = changes.ttl !== undefined || changes.expiresAt !== undefined;
    if (changes.ttl !== undefined) delete merged.expiresAt;
    if (changes.expiresAt !== undefined) delete merged.ttl;
    if (!rearm) delete merged.ttl;
    const next = canonicalRule(merged, options);
    return {
      ...next,
      ...(rearm || rule.ttl === undefined ? {} : { ttl: rule.ttl }),
      createdAt: rule.createdAt,
      hits: rule.hits,
    };
  } catch (error) {
    throw shorthand ? inShorthandTerms(error) : error;
  }
}

/** A body is shorthand when it has a field only the shorthand has; mixing both is refused. */
function isShorthand(fields: Fields): boolean {
  const flat = Object.keys(fields).filter((name) => Object.hasOwn(SHORTHAND_PATHS, name));
  if (flat.length === 0) return false;
  for (const name of Object.keys(fields)) {
    if (Object.hasOwn(SHORTHAND_PATHS, name) || SHARED_FIELDS.includes(name)) continue;
    if ((CANONICAL_FIELDS as readonly string[]).includes(name)) {
      throw new RuleValidationError(
        name,
        `mixes the canonical form with the shorthand form (shorthand field ${flat[0]})`,
      );
    }
    throw new RuleValidationError(name, 'unknown field');
  }
  return true;
}

function shorthandToCanonical(fields: Fields): Fields {
  const out: Fields = {};
  const match: Fields = {};
  const fault: Fields = {};
  for (const [name, value] of Object.entries(fields)) {
    const path = SHORTHAND_PATHS[name as keyof typeof SHORTHAND_PATHS];
    if (path === undefined) out[name] = value;
    else if (path.startsWith('match.')) match[path.slice(6)] = value;
    else fault[path.slice(6)] = value;
  }
  if (Object.keys(match).length > 0) out.match = match;
  if (Object.keys(fault).length > 0) out.fault = fault;
  return out;
}

function inShorthandTerms(error: unknown): unknown {
  if (!(error instanceof RuleValidationError)) return error;
  const flat = SHORTHAND_BACK[error.field];
  if (flat === undefined) return error;
  return new RuleValidationError(flat, error.message.slice(error.field.length + 2), { cause: error });
}

function mergeObject(base: unknown, change: unknown, path: string): Fields | undefined {
  if (change === null) return undefined;
  const merged: Fields = { ...((base as Fields | undefined) ?? {}) };
  for (const [name, value] of Object.entries(expectObject(change, path))) {
    if (value === null) delete merged[name];
    else merged[name] = value;
  }
  return merged;
}

/** The fields of a rule the owner chose (server-owned ones left out), for re-validation. */
function ruleInput(rule: Rule): Fields {
  const { createdAt: _createdAt, hits: _hits, ...input } = rule;
  return { ...input, match: { ...rule.match }, fault: { ...rule.fault } };
}

function canonicalRule(fields: Fields, options: ParseRuleOptions): Rule {
  refuseUnknown(fields, CANONICAL_FIELDS, '');
  const givenId = fields.id === undefined ? undefined : text(fields.id, 'id', 128, ID_PATTERN);
  const match = parseMatch(fields.match ?? {});
  if (fields.fault === undefined) throw new RuleValidationError('fault', 'is required');
  const fault = parseFault(fields.fault, 'fault', { maxMs: options.maxTtlMs });
  if (!faultAllowedAt(fault.type, match.point)) {
    throw new RuleValidationError(
      'fault.type',
      `${fault.type} cannot be injected at ${match.point} (allowed at ${FAULT_POINTS[fault.type].join(', ')})`,
    );
  }
  refuseContradiction(fault, match.point);
  refuseOperationNeverMet(fault, match.operation);
  const { ttl, expiresAt } = parseExpiry(fields, options);
  const seed = fields.seed === undefined ? undefined : parseSeed(fields.seed);
  const chosen = {
    ...(fields.name === undefined ? {} : { name: text(fields.name, 'name', 256) }),
    ...(fields.scenario === undefined
      ? {}
      : { scenario: text(fields.scenario, 'scenario', 128, NAME_PATTERN) }),
    enabled: fields.enabled === undefined ? true : bool(fields.enabled, 'enabled'),
    priority: fields.priority === undefined ? 0 : integer(fields.priority, 'priority', -1_000_000, 1_000_000),
    match,
    fault,
    rate: fields.rate === undefined ? 1 : decimal(fields.rate, 'rate', 0, 1),
    after: fields.after === undefined ? 0 : integer(fields.after, 'after', 0, MAX_COUNT),
    ...(fields.times === undefined || fields.times === null
      ? {}
      : { times: integer(fields.times, 'times', 1, MAX_COUNT) }),
    every: fields.every === undefined ? 1 : integer(fields.every, 'every', 1, MAX_COUNT),
    ...(ttl === undefined ? {} : { ttl }),
    ...(fields.window === undefined ? {} : { window: parseWindow(fields.window) }),
  };
  // Without an id, the id (and with it every decision) comes from what the rule says, not from
  // chance: the same body replays the same on a fresh server (FAULTS.md, "Determinism").
  const id = givenId ?? options.newId(ruleContent({ ...chosen, ...(seed === undefined ? {} : { seed }) }));
  const { ttl: _ttl, window: _window, ...head } = chosen;
  return {
    id,
    ...head,
    seed: seed ?? seedFromId(id),
    ...(ttl === undefined ? {} : { ttl }),
    expiresAt: expiresAt.toISOString(),
    ...(chosen.window === undefined ? {} : { window: chosen.window }),
    createdAt: options.now.toISOString(),
    hits: 0,
  };
}

/** A rule's chosen fields as text with sorted keys, so equal content gives equal text. */
function ruleContent(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function parseMatch(value: unknown): RuleMatch {
  const fields = expectObject(value, 'match');
  refuseUnknown(fields, MATCH_FIELDS, 'match');
  const point = fields.point === undefined ? 'http.server' : parsePoint(fields.point);
  const match: RuleMatch = { point };
  if (fields.service !== undefined) {
    match.service = oneOf(fields.service, 'match.service', FAULT_SERVICES);
    const owner = POINT_SERVICE[point];
    if (owner !== '*' && owner !== match.service) {
      throw new RuleValidationError('match.service', `point ${point} belongs to service ${owner}`);
    }
  }
  if (fields.operation !== undefined) {
    match.operation = text(fields.operation, 'match.operation', 128, OPERATION_PATTERN);
  }
  if (fields.endpoint !== undefined) {
    match.endpoint = text(fields.endpoint, 'match.endpoint', 1024).trim();
    compileEndpoint(match.endpoint);
  }
  if (fields.bucket !== undefined) match.bucket = text(fields.bucket, 'match.bucket', 255, BUCKET_GLOB);
  if (fields.key !== undefined) match.key = keyGlob(fields.key);
  if (fields.node !== undefined) match.node = text(fields.node, 'match.node', 128, NODE_GLOB);
  if (fields.headers !== undefined) {
    const headers = stringMap(fields.headers, 'match.headers', HEADER_NAME);
    match.headers = Object.fromEntries(Object.entries(headers).map(([n, v]) => [n.toLowerCase(), v]));
  }
  if (fields.minSize !== undefined) match.minSize = integer(fields.minSize, 'match.minSize', 0, MAX_COUNT);
  if (fields.maxSize !== undefined) match.maxSize = integer(fields.maxSize, 'match.maxSize', 0, MAX_COUNT);
  if (match.minSize !== undefined && match.maxSize !== undefined && match.minSize > match.maxSize) {
    throw new RuleValidationError('match.maxSize', 'must not be below match.minSize');
  }
  return match;
}

function parsePoint(value: unknown): InjectionPoint {
  if (typeof value !== 'string' || !isInjectionPoint(value)) {
    throw new RuleValidationError('match.point', `unknown injection point ${JSON.stringify(value)}`);
  }
  return value;
}

function keyGlob(value: unknown): string {
  const glob = text(value, 'match.key', 1024);
  for (let i = 0; i < glob.length; i++) {
    const c = glob.charCodeAt(i);
    if (c < 0x20 || c === 0x7f)
      throw new RuleValidationError('match.key', 'must not hold control characters');
  }
  return glob;
}

function parseSeed(value: unknown): number | string {
  if (typeof value === 'string') return text(value, 'seed', 128);
  return integer(value, 'seed', 0, Number.MAX_SAFE_INTEGER);
}

function parseExpiry(fields: Fields, options: ParseRuleOptions): { ttl?: string; expiresAt: Date } {
  const now = options.now.getTime();
  if (fields.ttl !== undefined && fields.expiresAt !== undefined) {
    throw new RuleValidationError('expiresAt', 'give either ttl or expiresAt, not both');
  }
  if (fields.expiresAt !== undefined) {
    const expiresAt = instant(fields.expiresAt, 'expiresAt');
    if (expiresAt.getTime() <= now) throw new RuleValidationError('expiresAt', 'must be in the future');
    if (expiresAt.getTime() - now > options.maxTtlMs) {
      throw new RuleValidationError('expiresAt', `must be within ${formatDuration(options.maxTtlMs)}`);
    }
    return { expiresAt };
  }
  if (fields.ttl === undefined) {
    const ms = Math.min(DEFAULT_TTL_MS, options.maxTtlMs);
    return { ttl: formatDuration(ms), expiresAt: new Date(now + ms) };
  }
  const ms = parseTtl(fields.ttl, 'ttl', options.maxTtlMs);
  return { ttl: (fields.ttl as string).trim(), expiresAt: new Date(now + ms) };
}

/**
 * Validates a TTL such as `"5m"`: positive and at most `maxTtlMs`.
 * @throws RuleValidationError naming `field`.
 */
export function parseTtl(value: unknown, field: string, maxTtlMs: number): number {
  const ms = typeof value === 'string' ? parseDuration(value) : undefined;
  if (ms === undefined)
    throw new RuleValidationError(field, 'must be a duration such as "500ms", "30s", "5m", "2h"');
  if (ms <= 0) throw new RuleValidationError(field, 'must be positive');
  if (ms > maxTtlMs) throw new RuleValidationError(field, `must be at most ${formatDuration(maxTtlMs)}`);
  return ms;
}

function parseWindow(value: unknown): { start?: string; end?: string } {
  const fields = expectObject(value, 'window');
  refuseUnknown(fields, ['start', 'end'], 'window');
  const start = fields.start === undefined ? undefined : instant(fields.start, at('window', 'start'));
  const end = fields.end === undefined ? undefined : instant(fields.end, at('window', 'end'));
  if (start !== undefined && end !== undefined && start.getTime() >= end.getTime()) {
    throw new RuleValidationError('window.end', 'must be after window.start');
  }
  return {
    ...(start === undefined ? {} : { start: start.toISOString() }),
    ...(end === undefined ? {} : { end: end.toISOString() }),
  };
}

/**
 * A consistency fault meets only the reads or listings it describes (`FAULT_OPERATIONS`): a rule
 * that names another operation could never fire, so it is refused rather than kept silently idle.
 */
function refuseOperationNeverMet(fault: Fault, operation: string | undefined): void {
  const operations = FAULT_OPERATIONS[fault.type];
  if (operation === undefined || operations === undefined || operations.includes(operation)) return;
  throw new RuleValidationError(
    'match.operation',
    `${fault.type} applies only to ${operations.join(', ')}: a rule for ${operation} could never fire`,
  );
}
