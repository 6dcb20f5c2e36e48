/**
 * Small checkers for rule bodies. Each refusal is a `RuleValidationError` naming the offending
 * field as a path (`fault.ms`, `match.point`), so the control API can answer a 400 that says
 * exactly what to fix.
 */

/** A rule, patch or header fault that cannot be accepted; `field` is a path such as `fault.ms`. */
export class RuleValidationError extends Error {
  override readonly name = 'RuleValidationError';
  readonly field: string;

  constructor(field: string, message: string, options?: ErrorOptions) {
    super(`${field}: ${message}`, options);
    this.field = field;
  }
}

export type Fields = Record<string, unknown>;

/** Joins a parent path and a field name. */
export function at(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

/** Requires a plain JSON object. */
export function expectObject(value: unknown, path: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RuleValidationError(path || 'body', 'must be an object');
  }
  return value as Fields;
}

/** Refuses any field not in `known`. */
export function refuseUnknown(fields: Fields, known: readonly string[], path: string): void {
  for (const name of Object.keys(fields)) {
    if (!known.includes(name)) throw new RuleValidationError(at(path, name), 'unknown field');
  }
}

/** A string of 1..max characters, optionally matching a pattern. */
export function text(value: unknown, path: string, max = 1024, pattern?: RegExp): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new RuleValidationError(path, 'must be a non-empty string');
  }
  if (value.length > max) throw new RuleValidationError(path, `must be at most ${max} characters`);
  if (pattern !== undefined && !pattern.test(value)) {
    throw new RuleValidationError(path, `must match ${pattern.source}`);
  }
  return value;
}

/** An integer in [min, max]; numeric strings are accepted when `coerce` (header grammar). */
export function integer(value: unknown, path: string, min: number, max: number, coerce = false): number {
  const n = coerce && typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n))
    throw new RuleValidationError(path, 'must be an integer');
  if (n < min || n > max) throw new RuleValidationError(path, `must be between ${min} and ${max}`);
  return n;
}

/** A finite number in [min, max]. */
export function decimal(value: unknown, path: string, min: number, max: number, coerce = false): number {
  const n = coerce && typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new RuleValidationError(path, 'must be a number');
  if (n < min || n > max) throw new RuleValidationError(path, `must be between ${min} and ${max}`);
  return n;
}

/** A boolean. */
export function bool(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') throw new RuleValidationError(path, 'must be true or false');
  return value;
}

/** One of a fixed set of strings. */
export function oneOf<T extends string>(value: unknown, path: string, values: readonly T[]): T {
  if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
    throw new RuleValidationError(path, `must be one of ${values.join(', ')}`);
  }
  return value as T;
}

/** An ISO 8601 instant; returned normalised. */
export function instant(value: unknown, path: string): Date {
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw new RuleValidationError(path, 'must be an ISO 8601 date-time');
  return new Date(ms);
}

/** A map of string -> string. */
export function stringMap(value: unknown, path: string, namePattern: RegExp): Record<string, string> {
  const fields = expectObject(value, path);
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(fields)) {
    if (!namePattern.test(name)) throw new RuleValidationError(at(path, name), 'is not a valid name');
    if (typeof v !== 'string') throw new RuleValidationError(at(path, name), 'must be a string');
    out[name] = v;
  }
  return out;
}

/** A change that would take the live rules beyond the cap (`FAULTS_MAX_RULES`; a 400). */
export class RuleLimitError extends Error {
  override readonly name = 'RuleLimitError';
  readonly limit: number;

  constructor(limit: number, wanted: number) {
    super(
      `the engine holds at most ${limit} live rules (FAULTS_MAX_RULES); this change would make ${wanted}: remove rules or raise the cap`,
    );
    this.limit = limit;
  }
}

/** A rule id that is already taken (the control API answers 409). */
export class RuleConflictError extends Error {
  override readonly name = 'RuleConflictError';
  readonly id: string;

  constructor(id: string) {
    super(`a rule with id ${id} already exists`);
    this.id = id;
  }
}
