/**
 * The load generator's own measurements: per-second samples and per-window statistics, latencies in
 * HDR histograms (hdr-histogram-js). An operation counts in the second and the window in which it
 * STARTED (open loop: its intended start), so a stall shows where the stalled requests were sent.
 */
import * as hdr from 'hdr-histogram-js';
import type {
  ClientAnswer,
  LatencySummary,
  LoadOperation,
  OperationCounts,
  SecondSample,
  WindowName,
  WindowStats,
} from './types.js';

/** Latencies are recorded in microseconds: sub-millisecond loopback answers stay distinct. */
const MICROS_PER_MS = 1000;

function newHistogram(): hdr.Histogram {
  return hdr.build({ numberOfSignificantValueDigits: 3, autoResize: true });
}

function summarize(histogram: hdr.Histogram): LatencySummary | null {
  if (histogram.totalCount === 0) return null;
  const ms = (micros: number) => micros / MICROS_PER_MS;
  return {
    p50: ms(histogram.getValueAtPercentile(50)),
    p95: ms(histogram.getValueAtPercentile(95)),
    p99: ms(histogram.getValueAtPercentile(99)),
    max: ms(histogram.maxValue),
  };
}

/** Counts of a set of operations (a second, a window, one operation kind of a window). */
class Tally {
  ops = 0;
  errors = 0;
  retries = 0;
  readonly errorsByCode: Record<string, number> = {};
  readonly latency = newHistogram();

  add(answer: Pick<ClientAnswer, 'ok' | 'errorCode' | 'attempts'>, latencyMs: number | undefined): void {
    this.ops++;
    this.retries += Math.max(0, answer.attempts - 1);
    if (answer.ok) {
      if (latencyMs !== undefined)
        this.latency.recordValue(Math.max(1, Math.round(latencyMs * MICROS_PER_MS)));
      return;
    }
    this.errors++;
    const code = answer.errorCode ?? 'Unknown';
    this.errorsByCode[code] = (this.errorsByCode[code] ?? 0) + 1;
  }

  counts(): OperationCounts & { latency: LatencySummary | null } {
    return {
      ops: this.ops,
      errors: this.errors,
      retries: this.retries,
      errorsByCode: { ...this.errorsByCode },
      latency: summarize(this.latency),
    };
  }
}

class WindowTally extends Tally {
  readonly byOperation = new Map<LoadOperation, Tally>();

  addOperation(
    operation: LoadOperation,
    answer: Pick<ClientAnswer, 'ok' | 'errorCode' | 'attempts'>,
    latencyMs: number | undefined,
  ): void {
    this.add(answer, latencyMs);
    let tally = this.byOperation.get(operation);
    if (tally === undefined) {
      tally = new Tally();
      this.byOperation.set(operation, tally);
    }
    tally.add(answer, latencyMs);
  }

  stats(durationMs: number): WindowStats {
    return {
      ops: this.ops,
      errors: this.errors,
      errorRate: this.ops === 0 ? 0 : this.errors / this.ops,
      throughput: durationMs > 0 ? (this.ops * 1000) / durationMs : 0,
      durationMs,
      latency: summarize(this.latency),
      errorsByCode: { ...this.errorsByCode },
      byOperation: Object.fromEntries([...this.byOperation].map(([name, tally]) => [name, tally.counts()])),
    };
  }
}

/** Where an operation counts: fixed when it starts. */
export interface OperationMark {
  readonly startMs: number;
  readonly second: number;
  readonly window: WindowName;
}

export interface RecordedRun {
  readonly seconds: SecondSample[];
  readonly total: WindowStats;
  readonly windows: Partial<Record<WindowName, WindowStats>>;
  readonly windowBounds: { name: WindowName; fromMs: number; toMs: number }[];
}

export class LoadRecorder {
  private readonly seconds: Tally[] = [];
  private readonly inFlightAtSecondEnd: number[] = [];
  private readonly total = new WindowTally();
  private readonly windows = new Map<WindowName, WindowTally>();
  private readonly bounds: { name: WindowName; fromMs: number }[] = [{ name: 'warmup', fromMs: 0 }];
  private inFlightNow = 0;

  /** Operations that start from `atMs` on count in window `name`. */
  setWindow(name: WindowName, atMs: number): void {
    if (this.bounds[this.bounds.length - 1]!.name === name) return;
    this.bounds.push({ name, fromMs: atMs });
  }

  /** An operation starts (open loop: `startMs` is its intended start, possibly in the past). */
  begin(startMs: number): OperationMark {
    this.inFlightNow++;
    return { startMs, second: Math.floor(startMs / 1000), window: this.windowAt(startMs) };
  }

  /** It ended with `answer`; `latencyMs` from its (intended) start. */
  end(mark: OperationMark, operation: LoadOperation, answer: ClientAnswer, latencyMs: number): void {
    this.inFlightNow--;
    this.count(mark, operation, answer, latencyMs);
  }

  /**
   * An open-loop arrival found the in-flight cap reached: it is counted, as an operation that
   * failed with code `Dropped`, never skipped in silence.
   */
  dropped(startMs: number, operation: LoadOperation): void {
    const mark = { startMs, second: Math.floor(startMs / 1000), window: this.windowAt(startMs) };
    this.count(mark, operation, { ok: false, errorCode: 'Dropped', requestIds: [], attempts: 0 }, undefined);
  }

  inFlight(): number {
    return this.inFlightNow;
  }

  /** Second `t` is over: its sample as known now (operations still in flight count later). */
  closeSecond(t: number): SecondSample {
    this.inFlightAtSecondEnd[t] = this.inFlightNow;
    return this.sample(t);
  }

  /** Everything, once the last operation ended; `loadEndMs` is when the last operation could start. */
  finish(loadEndMs: number, elapsedMs: number): RecordedRun {
    const lastSecond = Math.max(this.seconds.length, Math.ceil(loadEndMs / 1000));
    const seconds = Array.from({ length: lastSecond }, (_, t) => this.sample(t));
    const windowBounds = this.bounds.map((bound, i) => ({
      name: bound.name,
      fromMs: bound.fromMs,
      toMs: this.bounds[i + 1]?.fromMs ?? elapsedMs,
    }));
    const durationOf = (name: WindowName) =>
      windowBounds
        .filter((bound) => bound.name === name)
        .reduce((sum, bound) => sum + Math.max(0, Math.min(bound.toMs, loadEndMs) - bound.fromMs), 0);
    const windows: Partial<Record<WindowName, WindowStats>> = {};
    for (const { name } of windowBounds) {
      windows[name] = (this.windows.get(name) ?? new WindowTally()).stats(durationOf(name));
    }
    return { seconds, total: this.total.stats(loadEndMs), windows, windowBounds };
  }

  private windowAt(startMs: number): WindowName {
    for (let i = this.bounds.length - 1; i > 0; i--) {
      if (startMs >= this.bounds[i]!.fromMs) return this.bounds[i]!.name;
    }
    return this.bounds[0]!.name;
  }

  private count(
    mark: OperationMark,
    operation: LoadOperation,
    answer: ClientAnswer,
    latencyMs: number | undefined,
  ): void {
    this.secondTally(mark.second).add(answer, latencyMs);
    this.total.addOperation(operation, answer, latencyMs);
    let window = this.windows.get(mark.window);
    if (window === undefined) {
      window = new WindowTally();
      this.windows.set(mark.window, window);
    }
    window.addOperation(operation, answer, latencyMs);
  }

  private secondTally(t: number): Tally {
    for (let i = this.seconds.length; i <= t; i++) this.seconds.push(new Tally());
    return this.seconds[t]!;
  }

  private sample(t: number): SecondSample {
    const tally = this.seconds[t] ?? new Tally();
    return {
      t,
      ops: tally.ops,
      errors: tally.errors,
      errorsByCode: { ...tally.errorsByCode },
      latency: summarize(tally.latency),
      retries: tally.retries,
      inFlight: this.inFlightAtSecondEnd[t] ?? 0,
    };
  }
}
