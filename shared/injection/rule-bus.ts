/**
 * The channel instances announce rule changes on (stack mode: Redis pub/sub). A notice carries no
 * rules, only the version to catch up to: the store is the truth, a lost notice is healed by the
 * periodic version check.
 */

/** "The rules are at `version` now", sent by instance `origin`. */
export interface RuleChangeNotice {
  version: number;
  origin: string;
  /** Rules (re)activated by this change: their per-instance counters start again from zero. */
  fresh?: string[];
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
  const { version, origin, fresh } = value as Record<string, unknown>;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || typeof origin !== 'string')
    return undefined;
  if (fresh !== undefined && !(Array.isArray(fresh) && fresh.every((id) => typeof id === 'string')))
    return undefined;
  return fresh === undefined ? { version, origin } : { version, origin, fresh: fresh as string[] };
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
