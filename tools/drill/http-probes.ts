/**
 * Polls each `http` probe of a drill once a second while load runs (DRILLS.md: "a status, and
 * optionally a body regex, from any URL, polled once a second"). Each poll has a bounded timeout, so
 * an endpoint that hangs is a failed sample, not a stalled prober.
 */
import type { HttpSample } from './probes.js';
import type { ProbeSpec } from './types.js';

export interface HttpProbeOptions {
  readonly intervalMs?: number;
  /** Per poll: an answer (headers and body) later than this is a failed sample. */
  readonly timeoutMs?: number;
  readonly now?: () => number;
  /** Called with each sample as it is taken (live status, tests). */
  readonly onSample?: (index: number, sample: HttpSample) => void;
}

type HttpProbeSpec = Extract<ProbeSpec, { probe: 'http' }>;

function describeFailure(error: unknown, timeoutMs: number): string {
  const name = (error as Error).name;
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer within ${timeoutMs}ms`;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return `no answer: ${cause?.code ?? cause?.message ?? (error as Error).message}`;
}

async function poll(
  spec: HttpProbeSpec,
  t: number,
  timeoutMs: number,
  abort: AbortSignal,
): Promise<HttpSample> {
  try {
    const signal = AbortSignal.any([abort, AbortSignal.timeout(timeoutMs)]);
    const response = await fetch(spec.url, { signal, redirect: 'manual' });
    const body = await response.text();
    if (response.status !== spec.expect_status) {
      return {
        t,
        status: response.status,
        ok: false,
        detail: `${response.status} (expected ${spec.expect_status})`,
      };
    }
    if (spec.expect_body !== undefined && !new RegExp(spec.expect_body).test(body)) {
      return {
        t,
        status: response.status,
        ok: false,
        detail: `${response.status}, body does not match /${spec.expect_body}/`,
      };
    }
    return { t, status: response.status, ok: true, detail: String(response.status) };
  } catch (error) {
    return { t, ok: false, detail: describeFailure(error, timeoutMs) };
  }
}

/**
 * Starts polling now (a first poll at once, then every `intervalMs`); `t` of a sample is when its
 * poll was sent, in ms from `startedAtEpochMs`. `stop()` ends polling and returns the samples of
 * polls that have answered, by the probe's index in `specs`; polls still out are abandoned.
 */
export function startHttpProbes(
  specs: readonly ProbeSpec[],
  startedAtEpochMs: number,
  options: HttpProbeOptions = {},
): { stop(): ReadonlyMap<number, readonly HttpSample[]> } {
  const { intervalMs = 1000, timeoutMs = 2000, now = Date.now, onSample } = options;
  const samples = new Map<number, HttpSample[]>();
  const probes = specs.flatMap((spec, index) => (spec.probe === 'http' ? [{ spec, index }] : []));
  for (const { index } of probes) samples.set(index, []);
  const abort = new AbortController();
  let stopped = false;

  const tick = () => {
    const t = now() - startedAtEpochMs;
    for (const { spec, index } of probes) {
      void poll(spec, t, timeoutMs, abort.signal).then((sample) => {
        if (stopped) return;
        samples.get(index)!.push(sample);
        onSample?.(index, sample);
      });
    }
  };
  const timer = probes.length === 0 ? undefined : setInterval(tick, intervalMs);
  if (probes.length > 0) tick();

  return {
    stop() {
      stopped = true;
      clearInterval(timer);
      abort.abort();
      const result = new Map<number, readonly HttpSample[]>();
      for (const [index, taken] of samples)
        result.set(
          index,
          [...taken].sort((a, b) => a.t - b.t),
        );
      return result;
    },
  };
}
