/** The hit log behind `/events`: the last firings, newest last, in a fixed-size ring. */
import type { FaultService, FaultType, InjectionPoint } from './rule.js';

/** One firing of a rule (or of an `x-mock-fault` header). */
export interface Firing {
  time: string;
  ruleId: string;
  scenario?: string;
  point: InjectionPoint;
  type: FaultType;
  service: FaultService;
  operation?: string;
  requestId?: string;
  /** The storage node the firing acted on (`node.*` points). */
  node?: string;
  /**
   * The rule's match counter when it fired (0-based): with the rule's seed, the decision can be
   * replayed (`after`, `every`, `rate` draws are functions of it). 0 for an `x-mock-fault` header.
   */
  decisionIndex?: number;
  /** The delay this firing added, for delay-type faults (jitter included). */
  delayMs?: number;
  /** The process that fired (stack mode's shared log: `front`, `node-1`, an instance id...). */
  process?: string;
  /** The trace and span the firing acted on (W3C ids), when it fired inside a recorded span. */
  traceId?: string;
  spanId?: string;
}

export interface FiringFilter {
  ruleId?: string;
  scenario?: string;
  requestId?: string;
  point?: InjectionPoint;
  /** Keep only the newest N. */
  limit?: number;
}

/**
 * Firings the hit log keeps (the engine's own, and stack mode's shared one): also the largest
 * `limit` `/events` accepts, so a limit never promises more than the log can hold.
 */
export const HIT_LOG_CAPACITY = 1000;

export class HitLog {
  private readonly ring: (Firing | undefined)[];
  private next = 0;
  private size = 0;

  constructor(capacity: number) {
    this.ring = new Array(Math.max(1, capacity));
  }

  append(firing: Firing): void {
    this.ring[this.next] = firing;
    this.next = (this.next + 1) % this.ring.length;
    this.size = Math.min(this.size + 1, this.ring.length);
  }

  /** Firings that pass the filter, oldest first. */
  list(filter: FiringFilter = {}): Firing[] {
    const all: Firing[] = [];
    const start = (this.next - this.size + this.ring.length) % this.ring.length;
    for (let i = 0; i < this.size; i++) all.push(this.ring[(start + i) % this.ring.length]!);
    return filterFirings(all, filter);
  }

  clear(): void {
    this.ring.fill(undefined);
    this.next = 0;
    this.size = 0;
  }
}

/** The firings of `firings` (oldest first) that pass `filter`, the newest `limit` of them. */
export function filterFirings(firings: readonly Firing[], filter: FiringFilter = {}): Firing[] {
  const out = firings.filter(
    (firing) =>
      (filter.ruleId === undefined || firing.ruleId === filter.ruleId) &&
      (filter.scenario === undefined || firing.scenario === filter.scenario) &&
      (filter.requestId === undefined || firing.requestId === filter.requestId) &&
      (filter.point === undefined || firing.point === filter.point),
  );
  return filter.limit === undefined ? out : out.slice(Math.max(0, out.length - filter.limit));
}

/**
 * The hit log shared by every process of stack mode (the instances, the front, the storage-node
 * workers): each appends its firings, `/events` reads them all. Embedded mode has none (one
 * process: the engine's own {@link HitLog} is complete).
 */
export interface SharedHitLog {
  /** Queues a firing; sent soon after, never awaited on the request path. */
  append(firing: Firing): void;
  /** The firings of every process that pass `filter`, oldest first (this process's queued ones included). */
  list(filter?: FiringFilter): Promise<Firing[]>;
  /**
   * The firings of every process counted per rule (the shared `hits`), for `ruleIds`; a rule never
   * counted is 0. This process's queued firings are sent first.
   */
  hits(ruleIds: readonly string[]): Promise<Map<string, number>>;
  /**
   * Zeroes the shared counts of `ruleIds`, or of every rule when omitted (a deleted rule, the kill
   * switch, a fresh activation), after this process's queued firings are sent.
   */
  resetHits(ruleIds?: readonly string[]): Promise<void>;
  close(): Promise<void>;
}
