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
  /** The delay this firing added, for delay-type faults (jitter included). */
  delayMs?: number;
}

export interface FiringFilter {
  ruleId?: string;
  scenario?: string;
  requestId?: string;
  point?: InjectionPoint;
  /** Keep only the newest N. */
  limit?: number;
}

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
    const out: Firing[] = [];
    const start = (this.next - this.size + this.ring.length) % this.ring.length;
    for (let i = 0; i < this.size; i++) {
      const firing = this.ring[(start + i) % this.ring.length]!;
      if (filter.ruleId !== undefined && firing.ruleId !== filter.ruleId) continue;
      if (filter.scenario !== undefined && firing.scenario !== filter.scenario) continue;
      if (filter.requestId !== undefined && firing.requestId !== filter.requestId) continue;
      if (filter.point !== undefined && firing.point !== filter.point) continue;
      out.push(firing);
    }
    return filter.limit === undefined ? out : out.slice(Math.max(0, out.length - filter.limit));
  }

  clear(): void {
    this.ring.fill(undefined);
    this.next = 0;
    this.size = 0;
  }
}
