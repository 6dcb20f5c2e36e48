/**
 * The channel instances announce rule changes on (stack mode: Redis pub/sub). A notice carries the
 * version the change committed as and, when small enough, the change itself, so an instance at the
 * version before applies it without reading the store. The store stays the truth: an instance that
 * is not exactly one version behind, or a notice without the change, reloads the store, and a lost
 * notice is healed by the periodic version check.
 */
import type { Rule } from '../faults/rule.js';
import type { FaultStateMutation } from './versioned-rule-store.js';

/** "The rules are at `version` now", sent by instance `origin`. */
export interface RuleChangeNotice {
  version: number;
  origin: string;
  /** Rules (re)activated by this change: their per-instance counters start again from zero. */
  fresh?: string[];
  /** The mutation committed as `version` (absent when too large to send: receivers reload). */
  change?: FaultStateMutation;
}

export interface RuleBus {
  publish(notice: RuleChangeNotice): Promise<void>;
  /** Calls `listener` for every notice published from now on (its own included). */
  subscribe(listener: (notice: RuleChangeNotice) => void): Promise<void>;
  close(): Promise<void>;
}

/** Checks a notice read from the wire; anything else is dropped. */
export function parseRuleChangeNotice(text: string): RuleChangeNotice | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { version, origin, fresh, change } = value as Record<string, unknown>;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || typeof origin !== 'string')
    return undefined;
  if (fresh !== undefined && !isStringArray(fresh)) return undefined;
  const mutation = change === undefined ? undefined : parseMutation(change);
  if (change !== undefined && mutation === undefined) return undefined;
  return {
    version,
    origin,
    ...(fresh === undefined ? {} : { fresh }),
    ...(mutation === undefined ? {} : { change: mutation }),
  };
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/**
 * The shape of a mutation on the wire. Rules are written by instances of this service, as the
 * store's rows are, so a rule is checked for what applying it needs (its id and expiry), no more.
 */
function parseMutation(value: unknown): FaultStateMutation | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { clear, remove, save, killSwitch } = value as Record<string, unknown>;
  if (clear !== undefined && typeof clear !== 'boolean') return undefined;
  if (killSwitch !== undefined && typeof killSwitch !== 'boolean') return undefined;
  if (remove !== undefined && !isStringArray(remove)) return undefined;
  const rulesOk =
    save === undefined ||
    (Array.isArray(save) &&
      save.every(
        (rule) =>
          typeof rule === 'object' &&
          rule !== null &&
          typeof (rule as Rule).id === 'string' &&
          typeof (rule as Rule).expiresAt === 'string',
      ));
  if (!rulesOk) return undefined;
  return {
    ...(clear === undefined ? {} : { clear }),
    ...(remove === undefined ? {} : { remove }),
    ...(save === undefined ? {} : { save: save as Rule[] }),
    ...(killSwitch === undefined ? {} : { killSwitch }),
  };
}

/** Buses of one process that hear each other, as instances sharing a Redis channel do. */
export interface MemoryRuleBusHub {
  connect(): RuleBus;
}

/**
 * A pub/sub hub in memory for tests. Delivery is asynchronous (a macrotask later), as over a
 * network, so a test sees the same interleavings a real channel allows.
 */
export function createMemoryRuleBusHub(): MemoryRuleBusHub {
  const listeners = new Set<(notice: RuleChangeNotice) => void>();
  return {
    connect() {
      const mine = new Set<(notice: RuleChangeNotice) => void>();
      return {
        async publish(notice) {
          const wire = JSON.stringify(notice);
          for (const listener of [...listeners]) {
            setImmediate(() => listener(parseRuleChangeNotice(wire)!));
          }
        },
        async subscribe(listener) {
          mine.add(listener);
          listeners.add(listener);
        },
        async close() {
          for (const listener of mine) listeners.delete(listener);
          mine.clear();
        },
      };
    },
  };
}
