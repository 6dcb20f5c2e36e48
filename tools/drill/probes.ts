/**
 * The steady-state hypothesis judged (DRILLS.md "Windows and probes"): each probe over `before` and
 * `after`, and over `during` when `during: true`; warm-up never. Rates and latencies come from the
 * load generator's own numbers (the run's WindowStats), never from the server's metrics.
 */
import type { LatencySummary, LoadRun, SecondSample, WindowName, WindowStats } from '../load/types.js';
import { formatDuration } from '../load/units.js';
import type { IntegrityReport, ProbeResult, ProbeSpec, ProbeWindowResult } from './types.js';

/** One poll of an `http` probe (tools/drill/http-probes.ts). */
export interface HttpSample {
  /** Ms from the start of load (when the poll was sent). */
  readonly t: number;
  readonly status?: number;
  readonly ok: boolean;
  /** `200`, `503 (expected 200)`, `no answer: ECONNREFUSED`, ... */
  readonly detail: string;
}

export interface ProbeInputs {
  readonly run: LoadRun;
  /** The samples of each `http` probe, by its index in the specs. */
  readonly http: ReadonlyMap<number, readonly HttpSample[]>;
  /** The task queue's pending count, once a second (ms from start). */
  readonly queuePending: readonly { readonly t: number; readonly value: number }[];
  /** Absent when the final read-back did not run: an `integrity` probe then fails. */
  readonly integrity?: IntegrityReport;
}

interface Span {
  readonly name: WindowName;
  readonly fromMs: number;
  readonly toMs: number;
}

/** A window's verdict, before it is written as a {@link ProbeWindowResult}. */
interface Finding {
  readonly value: number | null;
  readonly threshold: number | null;
  readonly ok: boolean;
  /** `0.42 > 0.01`: no parentheses (verdictReason puts the window after it). */
  readonly comparison: string;
  /** `412 of 981 operations`. */
  readonly context: string;
  readonly violatedAtMs?: number;
}

const formatRate = (rate: number) => String(Number(rate.toPrecision(3)));
const formatOpsPerSecond = (rate: number) => `${Number(rate.toFixed(1))} ops/s`;

/** `error_rate <= 0.01`, `latency_p99 <= 250ms`, `throughput_min >= 100 ops/s`, ... */
export function probeLabel(spec: ProbeSpec): string {
  switch (spec.probe) {
    case 'error_rate':
      return `error_rate <= ${formatRate(spec.max)}`;
    case 'latency_p50':
    case 'latency_p95':
    case 'latency_p99':
    case 'latency_max':
      return `${spec.probe} <= ${formatDuration(spec.max)}`;
    case 'throughput_min':
      return `throughput_min >= ${formatOpsPerSecond(spec.min)}`;
    case 'integrity':
      return 'integrity';
    case 'http':
      return `http ${spec.url} status ${spec.expect_status}${spec.expect_body === undefined ? '' : ` body /${spec.expect_body}/`}`;
    case 'queue_pending':
      return `queue_pending <= ${spec.max}`;
  }
}

/** The windows a probe is judged over, as they happened in this run (a window never opened is left out). */
function spansOf(spec: ProbeSpec, run: LoadRun): Span[] {
  const judged: WindowName[] = spec.probe === 'integrity' ? ['after'] : ['before', 'during', 'after'];
  const wanted = judged.filter((name) => name !== 'during' || ('during' in spec && spec.during));
  return run.windowBounds
    .filter((bound) => wanted.includes(bound.name))
    .map(({ name, fromMs, toMs }) => ({ name, fromMs, toMs }));
}

/**
 * When a probe was first violated within a window: the start of the first second (clipped to the
 * window) of the per-second series that overlaps the window and violates on its own; the window's
 * start when no single second does (the window as a whole still failed). For the report's marks.
 */
export function firstViolationMs(
  series: readonly SecondSample[],
  span: { readonly fromMs: number; readonly toMs: number },
  violates: (second: SecondSample) => boolean,
): number {
  const hit = series.find(
    (second) => second.t * 1000 < span.toMs && (second.t + 1) * 1000 > span.fromMs && violates(second),
  );
  return hit === undefined ? span.fromMs : Math.max(hit.t * 1000, span.fromMs);
}

/** A window's numbers; a window with bounds but no numbers had no operation. */
function statsOf(run: LoadRun, span: Span): WindowStats {
  return (
    run.windows[span.name] ?? {
      ops: 0,
      errors: 0,
      errorRate: 0,
      throughput: 0,
      durationMs: Math.max(0, span.toMs - span.fromMs),
      latency: null,
      errorsByCode: {},
      byOperation: {},
    }
  );
}

function judgeErrorRate(max: number, run: LoadRun, span: Span): Finding {
  const stats = statsOf(run, span);
  if (stats.ops === 0)
    return { value: null, threshold: max, ok: true, comparison: 'none', context: 'no operations' };
  const ok = stats.errorRate <= max;
  const context = `${stats.errors} of ${stats.ops} operations`;
  if (ok)
    return {
      value: stats.errorRate,
      threshold: max,
      ok,
      comparison: `${formatRate(stats.errorRate)} <= ${formatRate(max)}`,
      context,
    };
  return {
    value: stats.errorRate,
    threshold: max,
    ok,
    comparison: `${formatRate(stats.errorRate)} > ${formatRate(max)}`,
    context,
    violatedAtMs: firstViolationMs(run.seconds, span, (s) => s.ops > 0 && s.errors / s.ops > max),
  };
}

function judgeLatency(percentile: keyof LatencySummary, max: number, run: LoadRun, span: Span): Finding {
  const stats = statsOf(run, span);
  const latency = stats.latency?.[percentile];
  if (latency === undefined) {
    return { value: null, threshold: max, ok: true, comparison: 'none', context: 'no successful operations' };
  }
  const ok = latency <= max;
  const context = `${stats.ops - stats.errors} successful operations`;
  if (ok)
    return {
      value: latency,
      threshold: max,
      ok,
      comparison: `${formatDuration(latency)} <= ${formatDuration(max)}`,
      context,
    };
  return {
    value: latency,
    threshold: max,
    ok,
    comparison: `${formatDuration(latency)} > ${formatDuration(max)}`,
    context,
    violatedAtMs: firstViolationMs(
      run.seconds,
      span,
      (s) => s.latency !== null && s.latency[percentile] > max,
    ),
  };
}

/** Successful operations per second: a storm of fast errors is not throughput. */
function judgeThroughput(min: number, run: LoadRun, span: Span): Finding {
  const stats = statsOf(run, span);
  if (stats.durationMs <= 0) {
    return { value: null, threshold: min, ok: true, comparison: 'none', context: 'an empty window' };
  }
  const succeeded = stats.ops - stats.errors;
  const rate = succeeded / (stats.durationMs / 1000);
  const ok = rate >= min;
  const context =
    stats.ops === 0
      ? `no operations in ${formatDuration(stats.durationMs)}`
      : `${succeeded} successful operations in ${formatDuration(stats.durationMs)}`;
  if (ok)
    return {
      value: rate,
      threshold: min,
      ok,
      comparison: `${formatOpsPerSecond(rate)} >= ${formatOpsPerSecond(min)}`,
      context,
    };
  // Only whole seconds inside the window: a second cut by the window's edge has fewer operations.
  const whole = (s: SecondSample) => s.t * 1000 >= span.fromMs && (s.t + 1) * 1000 <= span.toMs;
  return {
    value: rate,
    threshold: min,
    ok,
    comparison: `${formatOpsPerSecond(rate)} < ${formatOpsPerSecond(min)}`,
    context,
    violatedAtMs: firstViolationMs(run.seconds, span, (s) => whole(s) && s.ops - s.errors < min),
  };
}

function inSpan(t: number, span: Span): boolean {
  // A sample taken after load ended (during rollback or the read-back) judges no window: the
  // backlog must have drained by the end of recovery, not by the end of the final check.
  return t >= span.fromMs && t < span.toMs;
}

function judgeHttp(expected: number, samples: readonly HttpSample[], span: Span): Finding {
  const polled = samples.filter((sample) => inSpan(sample.t, span));
  if (polled.length === 0)
    return { value: null, threshold: expected, ok: true, comparison: 'none', context: 'no polls' };
  const failed = polled.filter((sample) => !sample.ok);
  const first = failed[0];
  if (first === undefined) {
    const status = polled.at(-1)!.status ?? null;
    return {
      value: status,
      threshold: expected,
      ok: true,
      comparison: `${polled.length} of ${polled.length} polls ok`,
      context: `last: ${polled.at(-1)!.detail}`,
    };
  }
  return {
    value: first.status ?? null,
    threshold: expected,
    ok: false,
    comparison: `${failed.length} of ${polled.length} polls failed`,
    context: `first at ${formatDuration(first.t)}: ${first.detail}`,
    violatedAtMs: first.t,
  };
}

/** `before`/`during`: every sample <= max; `after`: the last one (the backlog must have drained). */
function judgeQueue(max: number, samples: ProbeInputs['queuePending'], span: Span): Finding {
  const taken = samples.filter((sample) => inSpan(sample.t, span));
  const last = taken.at(-1);
  if (last === undefined)
    return { value: null, threshold: max, ok: true, comparison: 'none', context: 'no samples' };
  if (span.name === 'after') {
    const ok = last.value <= max;
    const peak = taken.reduce((top, sample) => Math.max(top, sample.value), 0);
    return {
      value: last.value,
      threshold: max,
      ok,
      comparison: `last ${last.value} ${ok ? '<=' : '>'} ${max}`,
      context: `peak ${peak}, ${taken.length} samples`,
      ...(ok ? {} : { violatedAtMs: last.t }),
    };
  }
  const peak = taken.reduce((top, sample) => Math.max(top, sample.value), 0);
  const over = taken.find((sample) => sample.value > max);
  return {
    value: peak,
    threshold: max,
    ok: over === undefined,
    comparison: `peak ${peak} ${over === undefined ? '<=' : '>'} ${max}`,
    context:
      over === undefined
        ? `${taken.length} samples`
        : `first above at ${formatDuration(over.t)}: ${over.value}`,
    ...(over === undefined ? {} : { violatedAtMs: over.t }),
  };
}

function judgeIntegrity(report: IntegrityReport | undefined, span: Span | undefined): Finding {
  if (report === undefined) {
    return {
      value: null,
      threshold: 0,
      ok: false,
      comparison: 'not checked',
      context: 'the final read-back did not run',
    };
  }
  const counts = new Map<string, number>();
  for (const violation of report.violations)
    counts.set(violation.kind, (counts.get(violation.kind) ?? 0) + 1);
  const byKind = [...counts].map(([kind, count]) => `${count} ${kind}`).join(', ');
  const checked = `${report.keysChecked} keys, ${report.acknowledgedWrites} acknowledged writes, ${report.unverifiable.length} unverifiable`;
  if (report.violations.length === 0) {
    return { value: 0, threshold: 0, ok: true, comparison: 'no violations', context: checked };
  }
  const keys = [...new Set(report.violations.map((violation) => violation.key))];
  const shown = keys.slice(0, 3).join(', ') + (keys.length > 3 ? `, +${keys.length - 3} more` : '');
  const firstAt = report.violations.map((violation) => violation.atMs).filter((t) => t !== undefined);
  return {
    value: report.violations.length,
    threshold: 0,
    ok: false,
    comparison: `${report.violations.length} violations`,
    context: `${byKind}: ${shown}`,
    ...(firstAt.length > 0
      ? { violatedAtMs: firstAt.reduce((a, b) => Math.min(a, b)) }
      : span
        ? { violatedAtMs: span.fromMs }
        : {}),
  };
}

function judgeSpan(spec: ProbeSpec, index: number, inputs: ProbeInputs, span: Span): Finding {
  switch (spec.probe) {
    case 'error_rate':
      return judgeErrorRate(spec.max, inputs.run, span);
    case 'latency_p50':
    case 'latency_p95':
    case 'latency_p99':
    case 'latency_max':
      return judgeLatency(
        spec.probe.slice('latency_'.length) as keyof LatencySummary,
        spec.max,
        inputs.run,
        span,
      );
    case 'throughput_min':
      return judgeThroughput(spec.min, inputs.run, span);
    case 'http':
      return judgeHttp(spec.expect_status, inputs.http.get(index) ?? [], span);
    case 'queue_pending':
      return judgeQueue(spec.max, inputs.queuePending, span);
    case 'integrity':
      return judgeIntegrity(inputs.integrity, span);
  }
}

function toWindowResult(window: WindowName, finding: Finding): ProbeWindowResult {
  const detail =
    finding.comparison === 'none' ? finding.context : `${finding.comparison} (${finding.context})`;
  return {
    window,
    value: finding.value,
    threshold: finding.threshold,
    ok: finding.ok,
    detail,
    ...(finding.violatedAtMs === undefined ? {} : { violatedAtMs: finding.violatedAtMs }),
  };
}

/** Judges every probe over its windows; a probe holds when it holds in every window judged. */
export function judgeProbes(specs: readonly ProbeSpec[], inputs: ProbeInputs): ProbeResult[] {
  return specs.map((spec, index) => {
    const spans = spansOf(spec, inputs.run);
    const windows =
      spec.probe === 'integrity'
        ? // Judged once, after recovery, even when the run had no `after` window (no steps).
          [toWindowResult('after', judgeIntegrity(inputs.integrity, spans[0]))]
        : spans.map((span) => toWindowResult(span.name, judgeSpan(spec, index, inputs, span)));
    return { spec, label: probeLabel(spec), windows, ok: windows.every((window) => window.ok) };
  });
}

/**
 * One line for people: the first violated probe (in the file's order), its first violated window,
 * value against threshold: "error_rate 0.42 > 0.01 during (412 of 981 operations)".
 */
export function verdictReason(probes: readonly ProbeResult[]): string {
  const violated = probes.filter((probe) => !probe.ok);
  const first = violated[0];
  if (first === undefined) {
    return probes.length === 0
      ? 'no hypothesis: nothing was judged'
      : `every probe held (${probes.length} probe${probes.length === 1 ? '' : 's'})`;
  }
  const window = first.windows.find((result) => !result.ok)!;
  const name = first.spec.probe === 'http' ? `http ${first.spec.url}` : first.spec.probe;
  const split = window.detail.indexOf(' (');
  const [comparison, context] =
    split === -1 ? [window.detail, ''] : [window.detail.slice(0, split), window.detail.slice(split + 1)];
  const more =
    violated.length > 1
      ? `; ${violated.length - 1} more probe${violated.length > 2 ? 's' : ''} violated`
      : '';
  return `${name} ${comparison} ${window.window}${context === '' ? '' : ` ${context}`}${more}`;
}
