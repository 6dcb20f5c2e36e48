/**
 * The waits in progress because rules fired (a latency, a held timeout, a stalled body), kept so
 * the engine can cut them short: FAULTS.md's safety promise is that the kill switch, a rule's
 * deletion and its expiry end every effect of the rule, including the requests it is holding.
 */

/** One rule's share of a wait. */
export interface HoldPart {
  ruleId: string;
  ms: number;
}

/** How a wait ended: run to its end, or cut short because a rule it waited for went. */
export type HoldEnd = 'elapsed' | 'released';

/**
 * Where a rule stands for the waits it causes: the instant (ms) it expires, or `undefined` when it
 * is gone (deleted, disabled, the engine off).
 */
export type RuleLifetime = (ruleId: string) => number | undefined;

/** The longest delay `setTimeout` honours (2^31 - 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;

interface Hold {
  startMs: number;
  parts: readonly HoldPart[];
  timer: ReturnType<typeof setTimeout> | undefined;
  finish: (end: HoldEnd) => void;
}

/**
 * The holds of one engine. A hold lasts the sum of its parts, each part no longer than its rule
 * lives (a 10 s latency of a rule expiring in 1 s holds 1 s); a part whose rule went counts for
 * nothing, so when a rule goes its waits end at once, or sooner than planned when several rules
 * added up.
 */
export class FaultHolds {
  private readonly holds = new Set<Hold>();

  constructor(
    private readonly nowMs: () => number,
    private readonly lifetime: RuleLifetime,
  ) {}

  /**
   * Waits `parts` out; resolves 'released' when a rule it waited for went before the end, or when
   * `signal` aborts (the caller gave up waiting: a fetch's own timeout).
   */
  hold(parts: readonly HoldPart[], signal?: AbortSignal): Promise<HoldEnd> {
    if (signal?.aborted) return Promise.resolve('released');
    return new Promise((resolve) => {
      const abort = () => hold.finish('released');
      const hold: Hold = {
        startMs: this.nowMs(),
        parts,
        timer: undefined,
        finish: (end) => {
          if (hold.timer !== undefined) clearTimeout(hold.timer);
          signal?.removeEventListener('abort', abort);
          this.holds.delete(hold);
          resolve(end);
        },
      };
      this.holds.add(hold);
      signal?.addEventListener('abort', abort, { once: true });
      this.schedule(hold);
    });
  }

  /** Re-reads every hold's rules: to be called whenever rules change or the engine turns off. */
  recheck(): void {
    for (const hold of this.holds) this.schedule(hold);
  }

  /** Sets the hold's timer to its end as its rules now stand, or ends it if that has passed. */
  private schedule(hold: Hold): void {
    let endMs = hold.startMs;
    let cut = false;
    for (const part of hold.parts) {
      const expiresAtMs = this.lifetime(part.ruleId);
      const lived = expiresAtMs === undefined ? 0 : Math.max(0, expiresAtMs - hold.startMs);
      if (lived < part.ms) cut = true;
      endMs += Math.min(part.ms, lived);
    }
    const remaining = endMs - this.nowMs();
    if (hold.timer !== undefined) clearTimeout(hold.timer);
    if (remaining <= 0) {
      hold.finish(cut ? 'released' : 'elapsed');
      return;
    }
    // Node fires a longer timer at once: a longer wait (FAULTS_MAX_TTL above 24 days) is re-armed.
    if (remaining > MAX_TIMER_MS) {
      hold.timer = setTimeout(() => this.schedule(hold), MAX_TIMER_MS);
      return;
    }
    hold.timer = setTimeout(() => hold.finish(cut ? 'released' : 'elapsed'), remaining);
  }
}
