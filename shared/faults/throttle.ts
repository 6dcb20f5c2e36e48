/**
 * The admission window of a `throttle` rule: at most `rps` requests per second per bucket,
 * prefix or key; the rest are answered SlowDown, as S3 throttles per prefix. Fixed one-second
 * windows on the injected clock keep it deterministic.
 */
import type { FaultEvent } from './match.js';
import type { ThrottleFault } from './rule.js';

const WINDOW_MS = 1000;

export class ThrottleWindows {
  private readonly windows = new Map<string, { start: number; count: number }>();

  /** Counts the event and tells whether it is over the rate (so the rule fires). */
  overLimit(fault: ThrottleFault, event: FaultEvent, nowMs: number): boolean {
    const scope = throttleScope(fault, event);
    const start = nowMs - (nowMs % WINDOW_MS);
    let window = this.windows.get(scope);
    if (window === undefined || window.start !== start) {
      if (this.windows.size > 10_000) this.forgetBefore(start);
      window = { start, count: 0 };
      this.windows.set(scope, window);
    }
    window.count += 1;
    return window.count > fault.rps;
  }

  /** Tells whether one more event would be over the rate, without counting it (`explain`). */
  wouldExceed(fault: ThrottleFault, event: FaultEvent, nowMs: number): boolean {
    const window = this.windows.get(throttleScope(fault, event));
    const count = window === undefined || window.start !== nowMs - (nowMs % WINDOW_MS) ? 0 : window.count;
    return count + 1 > fault.rps;
  }

  clear(): void {
    this.windows.clear();
  }

  private forgetBefore(start: number): void {
    for (const [scope, window] of this.windows) if (window.start < start) this.windows.delete(scope);
  }
}

/** The key a request is counted under: its bucket, its prefix (key up to the last `/`), or key. */
export function throttleScope(fault: ThrottleFault, event: FaultEvent): string {
  const bucket = event.bucket ?? '';
  if (fault.per === 'bucket') return bucket;
  const key = event.key ?? '';
  if (fault.per === 'key') return `${bucket}/${key}`;
  return `${bucket}/${key.slice(0, key.lastIndexOf('/') + 1)}`;
}
