import type { OperationWindow, QueueStats, SeriesAnswer, SeriesWindow } from './views.js';

/** Every instance's window at one time, merged. */
export interface MergedWindow {
  t: number;
  operations: Record<string, OperationWindow>;
  queue?: QueueStats;
}

/**
 * The windows of every process that answered `/api/v1/admin/series`. In stack mode the control
 * plane's calls go round the serverless-offline instances, each with its own registry: their
 * windows end on the same boundaries, so the same `t` of two instances adds up. Requests and
 * errors are summed; p99 is the larger of the instances' (their histograms are not sent: an upper
 * bound, exact with one instance); the queue, which every instance sees whole, is the largest.
 */
export class SeriesStore {
  private readonly instances = new Map<string, Map<number, SeriesWindow>>();
  intervalMs = 2000;

  constructor(private readonly spanMs: number) {}

  /** Keeps an answer's windows and forgets those older than the span. */
  add(answer: SeriesAnswer, nowMs: number): void {
    this.intervalMs = answer.intervalMs;
    let windows = this.instances.get(answer.instance);
    if (windows === undefined) {
      windows = new Map();
      this.instances.set(answer.instance, windows);
    }
    for (const window of answer.windows) windows.set(window.t, window);
    const oldest = nowMs - this.spanMs;
    for (const [instance, kept] of this.instances) {
      for (const t of kept.keys()) if (t < oldest) kept.delete(t);
      if (kept.size === 0 && instance !== answer.instance) this.instances.delete(instance);
    }
  }

  /** What to ask for next: the windows after the newest every known instance already sent. */
  since(): number {
    let since = Number.POSITIVE_INFINITY;
    for (const windows of this.instances.values()) since = Math.min(since, Math.max(0, ...windows.keys()));
    return Number.isFinite(since) ? since : 0;
  }

  get instanceCount(): number {
    return this.instances.size;
  }

  merged(): MergedWindow[] {
    const byTime = new Map<number, MergedWindow>();
    for (const windows of this.instances.values()) {
      for (const window of windows.values()) {
        const merged = byTime.get(window.t) ?? { t: window.t, operations: {} };
        byTime.set(window.t, merged);
        for (const [operation, counts] of Object.entries(window.operations)) {
          const into = merged.operations[operation];
          merged.operations[operation] =
            into === undefined
              ? { ...counts }
              : {
                  requests: into.requests + counts.requests,
                  serverErrors: into.serverErrors + counts.serverErrors,
                  clientErrors: into.clientErrors + counts.clientErrors,
                  p99Ms: maxOrNull(into.p99Ms, counts.p99Ms),
                };
        }
        if (
          window.queue !== undefined &&
          (merged.queue === undefined || window.queue.pending >= merged.queue.pending)
        ) {
          merged.queue = window.queue;
        }
      }
    }
    return [...byTime.values()].sort((a, b) => a.t - b.t);
  }
}

function maxOrNull(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}
