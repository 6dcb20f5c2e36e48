/**
 * The parameters of every fault type, as data: one table drives validation of rule bodies and of
 * the `x-mock-fault` header alike.
 */
import { S3_ERROR_STATUS } from '../s3/errors.js';
import {
  CHECKSUM_MISMATCH_CODES,
  COMMIT_FAIL_WHEN,
  CORRUPT_MODES,
  DIRTY_ETAGS,
  DIRTY_MODES,
  type Fault,
  type FaultType,
  type InjectionPoint,
  IO_OPS,
  THROTTLE_SCOPES,
} from './rule.js';
import {
  at,
  decimal,
  type Fields,
  integer,
  oneOf,
  RuleValidationError,
  refuseUnknown,
  stringMap,
  text,
} from './validation.js';

/** The cap on waits when the caller names none: one day, the default maximum TTL. */
const DEFAULT_MAX_MS = 86_400_000;
const MAX_BYTES = Number.MAX_SAFE_INTEGER;
const S3_CODES = Object.keys(S3_ERROR_STATUS) as (keyof typeof S3_ERROR_STATUS)[];

type Param =
  | { kind: 'int'; min: number; max: number; required: boolean }
  /** A wait in milliseconds: capped by the caller (the maximum TTL), see {@link ParseFaultOptions}. */
  | { kind: 'ms'; required: boolean }
  | { kind: 'number'; min: number; max: number; required: boolean }
  /** `default`: filled in when absent, so the canonical rule says what it does. */
  | { kind: 'enum'; values: readonly string[]; required: boolean; default?: string }
  | { kind: 'text'; pattern?: RegExp; required: boolean }
  | { kind: 'headers'; required: boolean };

const ms = (required = true): Param => ({ kind: 'ms', required });
const bytes = (required = true, min = 0): Param => ({ kind: 'int', min, max: MAX_BYTES, required });
const s3Code = (required = true): Param => ({ kind: 'enum', values: S3_CODES, required });

/** Parameters of each fault type; `satisfies` keeps the table complete. */
export const FAULT_PARAMS = {
  latency: { ms: ms(), jitterMs: ms(false) },
  http_status: {
    status: { kind: 'int', min: 100, max: 599, required: true },
    body: { kind: 'text', required: false },
    headers: { kind: 'headers', required: false },
  },
  s3_error: {
    code: s3Code(),
    message: { kind: 'text', required: false },
    retryAfter: { kind: 'int', min: 0, max: 86_400, required: false },
  },
  timeout: { ms: ms(false) },
  reset: { afterBytes: bytes(false) },
  truncate: { afterBytes: bytes() },
  bandwidth: { bytesPerSec: bytes(true, 1) },
  slow_body: { chunkBytes: bytes(true, 1), delayMs: ms() },
  stall: { afterBytes: bytes(), ms: ms() },
  io_error: {
    op: { kind: 'enum', values: IO_OPS, required: false },
    errno: { kind: 'text', pattern: /^E[A-Z0-9]{1,15}$/, required: true },
  },
  io_latency: { ms: ms() },
  node_down: {},
  partial_write: { written: { kind: 'int', min: 0, max: 64, required: true } },
  corrupt: { mode: { kind: 'enum', values: CORRUPT_MODES, required: true } },
  capacity: { maxBytes: bytes() },
  stale_replica: {},
  db_latency: { ms: ms() },
  db_error: { sqlstate: { kind: 'text', pattern: /^[0-9A-Z]{5}$/, required: true } },
  commit_fail: { when: { kind: 'enum', values: COMMIT_FAIL_WHEN, required: false } },
  cache_stale: {},
  cache_miss: {},
  cache_hot_key_expiry: {},
  cache_flush: {},
  drop: {},
  duplicate: { copies: { kind: 'int', min: 1, max: 100, required: true } },
  delay: { ms: ms() },
  dead_letter: {},
  reorder: {},
  origin_unavailable: {},
  dirty: {
    mode: { kind: 'enum', values: DIRTY_MODES, required: false, default: 'bitflip' },
    etag: { kind: 'enum', values: DIRTY_ETAGS, required: false, default: 'mismatch' },
  },
  stale: {},
  checksum_mismatch: { code: { kind: 'enum', values: CHECKSUM_MISMATCH_CODES, required: false } },
  reject: { code: s3Code() },
  throttle: {
    rps: { kind: 'number', min: 0, max: 1_000_000, required: true },
    per: { kind: 'enum', values: THROTTLE_SCOPES, required: true },
  },
  list_lag: { ms: ms() },
  read_after_write_miss: { ms: ms() },
  stale_read: {},
} as const satisfies Record<FaultType, Record<string, Param>>;

/** Every fault type, in the order of FAULTS.md. */
export const FAULT_TYPES = Object.keys(FAULT_PARAMS) as FaultType[];

/** Tells whether a string names a fault type. */
export function isFaultType(value: unknown): value is FaultType {
  return typeof value === 'string' && Object.hasOwn(FAULT_PARAMS, value);
}

export interface ParseFaultOptions {
  /** Numeric parameters may be given as strings (the header grammar carries text). */
  coerce?: boolean;
  /**
   * The longest wait a fault may ask for (`FAULTS_MAX_TTL`): a wait longer than any rule can live
   * would outlast the rule that caused it. Default one day.
   */
  maxMs?: number;
}

/** Validates a fault object (`{type, ...params}`) against its type's parameters. */
export function parseFault(input: unknown, path: string, options: ParseFaultOptions = {}): Fault {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new RuleValidationError(path, 'must be an object');
  }
  const fields = input as Fields;
  const type = fields.type;
  if (type === undefined) throw new RuleValidationError(at(path, 'type'), 'is required');
  if (!isFaultType(type)) {
    throw new RuleValidationError(at(path, 'type'), `unknown fault type ${JSON.stringify(type)}`);
  }
  const params: Record<string, Param> = FAULT_PARAMS[type];
  refuseUnknown(fields, ['type', ...Object.keys(params)], path);
  const fault: Record<string, unknown> = { type };
  for (const [name, param] of Object.entries(params)) {
    const value = fields[name];
    const field = at(path, name);
    if (value === undefined) {
      if (param.required) throw new RuleValidationError(field, `is required for ${type}`);
      if (param.kind === 'enum' && param.default !== undefined) fault[name] = param.default;
      continue;
    }
    fault[name] = parseParam(param, value, field, options);
  }
  return fault as unknown as Fault;
}

/** The disk operation each storage-node point stands for. */
const NODE_POINT_OP: Partial<Record<InjectionPoint, (typeof IO_OPS)[number]>> = {
  'node.read': 'read',
  'node.write': 'write',
  'node.delete': 'delete',
};

/**
 * Refuses parameters the point contradicts, which would otherwise be accepted and silently
 * ignored: the point decides what fails, so a parameter that says otherwise is a mistake.
 * @throws RuleValidationError naming the parameter (under `path`, e.g. `fault.op`).
 */
export function refuseContradiction(fault: Fault, point: InjectionPoint, path = 'fault'): void {
  switch (fault.type) {
    case 'io_error': {
      const op = NODE_POINT_OP[point];
      if (fault.op !== undefined && op !== undefined && fault.op !== op) {
        throw new RuleValidationError(
          at(path, 'op'),
          `${fault.op} contradicts point ${point}, which fails ${op}s: give op ${op} or leave it out`,
        );
      }
      return;
    }
    case 'commit_fail': {
      const when =
        point === 'db.commit.before' ? 'before' : point === 'db.commit.after' ? 'after' : undefined;
      if (fault.when !== undefined && when !== undefined && fault.when !== when) {
        throw new RuleValidationError(
          at(path, 'when'),
          `${fault.when} contradicts point ${point}: give when ${when} or leave it out`,
        );
      }
      return;
    }
    case 'partial_write':
      // Inside one storage node there is one replica: it is acknowledged and not stored.
      if (point === 'node.write' && fault.written !== 0) {
        throw new RuleValidationError(
          at(path, 'written'),
          'at node.write the fault concerns the one replica of that node, acknowledged and not stored: give written 0',
        );
      }
      return;
    case 'http_status':
      if (isOriginPoint(point)) refuseAtOrigin(fault, path);
      return;
    case 's3_error':
      // The origin's answer becomes the client's 503 (or 404): its Retry-After is not passed on.
      if (isOriginPoint(point) && fault.retryAfter !== undefined) {
        throw new RuleValidationError(
          at(path, 'retryAfter'),
          `cannot be honoured at ${point} (the origin's Retry-After does not reach the client): leave it out`,
        );
      }
      return;
    case 'reset':
      // An outgoing call has no response bytes to cut after: the client's reset comes at once.
      if (fault.afterBytes !== undefined && point === 'http.client') {
        throw new RuleValidationError(
          at(path, 'afterBytes'),
          'cannot be honoured at http.client (the call fails at once): leave it out',
        );
      }
      return;
    default:
      return;
  }
}

function isOriginPoint(point: InjectionPoint): boolean {
  return point === 'origin.fetch.before' || point === 'origin.fetch.after';
}

/**
 * At the origin points `http_status` is the origin's error answer, which the client sees as a 404
 * or a 503 of its own: a success status would be no fault, and a body or headers would never
 * reach anyone.
 */
function refuseAtOrigin(fault: Extract<Fault, { type: 'http_status' }>, path: string): void {
  if (fault.status < 400) {
    throw new RuleValidationError(
      at(path, 'status'),
      'at the origin points must be an error answer (400-599): the origin answering 2xx or 3xx is no fault',
    );
  }
  for (const name of ['body', 'headers'] as const) {
    if (fault[name] !== undefined) {
      throw new RuleValidationError(
        at(path, name),
        "cannot be honoured at the origin points (only the origin's status reaches the client): leave it out",
      );
    }
  }
}

function parseParam(param: Param, value: unknown, field: string, options: ParseFaultOptions): unknown {
  const coerce = options.coerce ?? false;
  switch (param.kind) {
    case 'ms': {
      const maxMs = options.maxMs ?? DEFAULT_MAX_MS;
      const n = integer(value, field, 0, Number.MAX_SAFE_INTEGER, coerce);
      if (n > maxMs) {
        throw new RuleValidationError(
          field,
          `must be at most ${maxMs} ms (the cap on injected waits: the maximum TTL, FAULTS_MAX_TTL)`,
        );
      }
      return n;
    }
    case 'int':
      return integer(value, field, param.min, param.max, coerce);
    case 'number':
      return decimal(value, field, param.min, param.max, coerce);
    case 'enum':
      return oneOf(value, field, param.values);
    case 'text':
      return text(value, field, 4096, param.pattern);
    case 'headers':
      return stringMap(value, field, /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/);
  }
}
