/**
 * Typed readers for the fields of a drill file. Each one names the field it refuses, with its full
 * path (`load.duration`, `method[2].at`, `steady_state[1].max`), in a {@link DrillFileError}.
 */
import { parseDuration, UnitError } from '../../load/units.js';
import { DrillFileError } from '../types.js';

export type Fields = Readonly<Record<string, unknown>>;

/** `load` + `duration` -> `load.duration`; the top level has no prefix. */
export function fieldPath(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return JSON.stringify(value);
}

/**
 * An object (a YAML mapping) whose keys are all in `allowed` (`'any'`: free-form); an unknown key is
 * refused by its path.
 */
export function objectAt(value: unknown, field: string, allowed: readonly string[] | 'any'): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DrillFileError(field || '(file)', `must be a mapping of keys, not ${describe(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (allowed !== 'any' && !allowed.includes(key)) {
      throw new DrillFileError(fieldPath(field, key), `unknown key (known here: ${allowed.join(', ')})`);
    }
  }
  return value as Fields;
}

export function listAt(value: unknown, field: string): readonly unknown[] {
  if (!Array.isArray(value)) throw new DrillFileError(field, `must be a list, not ${describe(value)}`);
  return value;
}

export function stringAt(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new DrillFileError(field, `must be a non-empty string, not ${describe(value)}`);
  }
  return value;
}

export function booleanAt(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean')
    throw new DrillFileError(field, `must be true or false, not ${describe(value)}`);
  return value;
}

/** A whole number >= `min`. */
export function integerAt(value: unknown, field: string, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new DrillFileError(field, `must be a whole number >= ${min}, not ${describe(value)}`);
  }
  return value;
}

/** A finite number in `[min, max]`. */
export function numberAt(value: unknown, field: string, min: number, max = Number.POSITIVE_INFINITY): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    const range = max === Number.POSITIVE_INFINITY ? `>= ${min}` : `between ${min} and ${max}`;
    throw new DrillFileError(field, `must be a number ${range}, not ${describe(value)}`);
  }
  return value;
}

/**
 * A duration with its unit (`250ms`, `10s`, `2m`), in ms. A bare number is refused: `60` could mean
 * seconds or milliseconds, and a drill that guesses wrong runs for a minute instead of a second.
 */
export function durationAt(value: unknown, field: string): number {
  if (typeof value === 'string' && value.trim().startsWith('-')) {
    throw new DrillFileError(field, `"${value}" is negative: a duration is >= 0`);
  }
  if (typeof value !== 'string') {
    throw new DrillFileError(
      field,
      `must be a duration with a unit (250ms, 10s, 2m), not ${describe(value)}`,
    );
  }
  return unitAt(field, () => parseDuration(value));
}

/** Runs a tools/load/units.ts parser and names the field in its refusal. */
export function unitAt<T>(field: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof UnitError) throw new DrillFileError(field, error.message);
    throw error;
  }
}

export function oneOf<const T extends string>(value: unknown, field: string, choices: readonly T[]): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new DrillFileError(field, `must be one of ${choices.join(', ')}, not ${describe(value)}`);
  }
  return value as T;
}
