/**
 * The units of the load and drill command lines and files (DRILLS.md): durations `ms`, `s`, `m`;
 * sizes `B`, `KiB`, `MiB`, or a range `1KiB..1MiB`; rates `500/s`; mixes `put=40,get=50`.
 * Each parser throws {@link UnitError} naming what it expected; callers add the field's name.
 */
import { LOAD_OPERATIONS, type LoadMix, type LoadOperation, type SizeRange } from './types.js';

export class UnitError extends Error {
  override readonly name = 'UnitError';
}

const DURATION_UNITS = { ms: 1, s: 1000, m: 60_000 } as const;
const SIZE_UNITS = { B: 1, KiB: 1024, MiB: 1024 * 1024 } as const;

/** `250ms`, `10s`, `1.5m` -> milliseconds (a whole number, >= 0). */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text.trim());
  if (match === null)
    throw new UnitError(`"${text}" is not a duration (a number and ms, s or m: 250ms, 10s, 2m)`);
  const ms = Number(match[1]) * DURATION_UNITS[match[2] as keyof typeof DURATION_UNITS];
  if (!Number.isFinite(ms)) throw new UnitError(`"${text}" is too long`);
  return Math.round(ms);
}

/** `1KiB`, `512B`, `2MiB` -> bytes (a whole number). */
export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(B|KiB|MiB)$/.exec(text.trim());
  if (match === null) throw new UnitError(`"${text}" is not a size (a number and B, KiB or MiB: 1KiB)`);
  const bytes = Number(match[1]) * SIZE_UNITS[match[2] as keyof typeof SIZE_UNITS];
  if (!Number.isSafeInteger(Math.round(bytes))) throw new UnitError(`"${text}" is too large`);
  return Math.round(bytes);
}

/** `1KiB` (fixed) or `1KiB..64KiB` (uniform); the low end must not exceed the high end. */
export function parseSizeRange(text: string): SizeRange {
  const parts = text.split('..');
  if (parts.length > 2) throw new UnitError(`"${text}" is not a size or a range (1KiB..64KiB)`);
  const min = parseSize(parts[0]!);
  const max = parts.length === 2 ? parseSize(parts[1]!) : min;
  if (min > max) throw new UnitError(`"${text}": the low end is above the high end`);
  return { min, max };
}

/** `500/s` (or a bare number) -> operations per second, > 0. */
export function parseRate(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(?:\/s)?$/.exec(text.trim());
  const rate = match === null ? Number.NaN : Number(match[1]);
  if (!(rate > 0)) throw new UnitError(`"${text}" is not a rate (operations per second: 500/s)`);
  return rate;
}

/** `put=40,get=50` or `{ put: 40, get: 50 }` -> weights of known operations, at least one > 0. */
export function parseMix(input: string | Readonly<Record<string, unknown>>): LoadMix {
  const entries =
    typeof input === 'string'
      ? input.split(',').map((pair) => {
          const [name, weight, extra] = pair.split('=');
          if (extra !== undefined || weight === undefined)
            throw new UnitError(`"${pair}" is not name=weight`);
          return [name!.trim(), Number(weight)] as const;
        })
      : Object.entries(input);
  const mix: Partial<Record<LoadOperation, number>> = {};
  for (const [name, weight] of entries) {
    if (!(LOAD_OPERATIONS as readonly string[]).includes(name)) {
      throw new UnitError(`"${name}" is not an operation (one of ${LOAD_OPERATIONS.join(', ')})`);
    }
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
      throw new UnitError(`the weight of ${name} must be a number >= 0`);
    }
    mix[name as LoadOperation] = weight;
  }
  if (!Object.values(mix).some((weight) => weight > 0))
    throw new UnitError('the mix needs one weight above 0');
  return mix;
}

/** Milliseconds as the shortest of `850ms`, `12s`, `1.5m` (reports, messages). */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(2))}s`;
  return `${Number((ms / 60_000).toFixed(2))}m`;
}
