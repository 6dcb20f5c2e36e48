/**
 * The load engine `mock-s3 load` and `mock-s3 drill run` share: closed loop (`concurrency`
 * workers, each with one operation in flight) or open loop (operations at fixed intended times;
 * latency from the INTENDED start, so a stalled server cannot hide its stall behind the requests it
 * kept from being sent: no coordinated omission). One seeded generator decides every operation.
 */
import { performance } from 'node:perf_hooks';
import { setImmediate } from 'node:timers/promises';
import { createLoadClient } from './clients/create-client.js';
import { HistoryLog } from './history.js';
import { KeySpace } from './key-space.js';
import { operationChooser } from './operation-mix.js';
import { drawOperation, type OperationContext, planOperation, runOperation } from './operations.js';
import { PayloadSource } from './payloads.js';
import { LoadRecorder } from './recorder.js';
import { type RandomSource, SeededRandom } from './seeded-random.js';
import type {
  LoadHandle,
  LoadHistory,
  LoadHooks,
  LoadRun,
  LoadSpec,
  S3LoadClient,
  WindowName,
  WriteRecord,
} from './types.js';

/** Open loop behind schedule: arrivals sent before the event loop gets a turn. */
const CATCH_UP_BATCH = 64;

/** Open loop without `maxInFlight`: at most this many, and never more than half the key space. */
export const DEFAULT_MAX_IN_FLIGHT = 1024;

export interface LoadDeps {
  /** A client of the caller's (not closed by the engine); else one made from `spec.client`, closed at the end. */
  readonly client?: S3LoadClient;
  /** Wall clock in epoch milliseconds (fractions allowed); default `performance.timeOrigin + performance.now()`. */
  readonly now?: () => number;
  /** Default: a {@link SeededRandom} of `spec.seed`. */
  readonly random?: RandomSource;
}

function defaultNow(): number {
  return performance.timeOrigin + performance.now();
}

/** The most operations the run may have in flight; each may hold two keys (a copy). */
function inFlightCap(spec: LoadSpec): number {
  const byKeys = Math.max(1, Math.floor(spec.keys / 2));
  if (spec.loop.kind === 'closed') return spec.loop.concurrency;
  return Math.min(spec.loop.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT, byKeys);
}

function validate(spec: LoadSpec): void {
  if (!(spec.durationMs > 0)) throw new RangeError('the load needs a duration above 0');
  if (spec.loop.kind === 'closed') {
    if (!Number.isInteger(spec.loop.concurrency) || spec.loop.concurrency < 1)
      throw new RangeError('concurrency must be a whole number >= 1');
    // Fewer than two keys per worker is allowed (`mock-s3 load` refuses it up front): an operation
    // that finds no free key becomes a list, and no two operations ever share a key.
  } else if (!(spec.loop.ratePerSecond > 0)) {
    throw new RangeError('the rate must be above 0 operations per second');
  }
}

/** Starts the load at once; `done` resolves with the run when the duration is over. */
export function startLoad(spec: LoadSpec, hooks: LoadHooks = {}, deps: LoadDeps = {}): LoadHandle {
  validate(spec);
  const now = deps.now ?? defaultNow;
  const random = deps.random ?? new SeededRandom(spec.seed);
  const ownsClient = deps.client === undefined;
  const client =
    deps.client ??
    createLoadClient(spec.client, spec.target, {
      maxAttempts: spec.maxAttempts,
      timeoutMs: spec.requestTimeoutMs,
    });
  const startedAtEpochMs = now();
  const elapsed = () => now() - startedAtEpochMs;
  const keys = new KeySpace(spec.keys, spec.keyPrefix);
  const history = spec.recordHistory ? new HistoryLog() : undefined;
  // Seeded keys are writes acknowledged before time 0; those the load never touches stay out of
  // the history (nothing of theirs is read back, so nothing could be judged).
  const seededWrites: WriteRecord[] = [];
  for (const seeded of spec.preexisting ?? []) {
    keys.preload(seeded.index, seeded.sha256);
    seededWrites.push({
      key: keys.keyName(seeded.index),
      sha256: seeded.sha256,
      startedAtMs: 0,
      endedAtMs: 0,
      acked: true,
      ...(seeded.etag === undefined ? {} : { etag: seeded.etag }),
      requestIds: seeded.requestIds,
      operation: 'put',
    });
  }
  const recorder = new LoadRecorder();
  const context: OperationContext = {
    client,
    bucket: spec.bucket,
    keyPrefix: spec.keyPrefix,
    keys,
    chooser: operationChooser(spec.mix),
    payloads: new PayloadSource(spec.seed, spec.size, random),
    history,
    elapsed,
  };
  const stopping = new AbortController();
  let loadEndMs: number | undefined;
  let lastEndMs = 0;
  let operationNumber = 0;
  const inFlight = new Set<Promise<void>>();

  /** Starts operation number n, counted from `startMs` (open loop: its intended start). */
  function launch(startMs: number): void {
    const draws = drawOperation(random, operationNumber++);
    const planned = planOperation(context, draws);
    const mark = recorder.begin(startMs);
    const running = runOperation(context, planned).then((answer) => {
      const endMs = elapsed();
      lastEndMs = Math.max(lastEndMs, endMs);
      recorder.end(mark, planned.operation, answer, endMs - startMs);
    });
    inFlight.add(running);
    void running.finally(() => inFlight.delete(running));
  }

  const loadOver = () => stopping.signal.aborted || elapsed() >= spec.durationMs;

  async function closedWorker(): Promise<void> {
    while (!loadOver()) {
      const startMs = elapsed();
      const draws = drawOperation(random, operationNumber++);
      const planned = planOperation(context, draws);
      const mark = recorder.begin(startMs);
      const answer = await runOperation(context, planned);
      const endMs = elapsed();
      lastEndMs = Math.max(lastEndMs, endMs);
      recorder.end(mark, planned.operation, answer, endMs - startMs);
    }
  }

  async function openLoop(ratePerSecond: number): Promise<void> {
    const intervalMs = 1000 / ratePerSecond;
    const cap = inFlightCap(spec);
    for (let n = 0; ; n++) {
      const intendedMs = n * intervalMs;
      if (intendedMs >= spec.durationMs || stopping.signal.aborted) return;
      const waitMs = intendedMs - elapsed();
      if (waitMs > 0) {
        await sleep(waitMs, stopping.signal);
        if (stopping.signal.aborted) return;
      } else if (n % CATCH_UP_BATCH === 0) {
        // Behind schedule: the due arrivals go out in batches, with a turn of the event loop
        // between them, so answers (and the cap's room) are read while catching up.
        await setImmediate();
      }
      if (recorder.inFlight() >= cap) {
        // The arrival happens whether or not there is room: counted, as `Dropped`, never skipped.
        const draws = drawOperation(random, operationNumber++);
        recorder.dropped(intendedMs, context.chooser.choose(draws.operation));
      } else {
        launch(intendedMs);
      }
    }
  }

  const secondTicker = startSecondTicker(elapsed, (t) => {
    hooks.onSecond?.(recorder.closeSecond(t), elapsed());
  });

  async function run(): Promise<LoadRun> {
    try {
      if (spec.loop.kind === 'closed') {
        await Promise.all(Array.from({ length: spec.loop.concurrency }, () => closedWorker()));
      } else {
        await openLoop(spec.loop.ratePerSecond);
      }
      loadEndMs ??= Math.min(elapsed(), spec.durationMs);
      while (inFlight.size > 0) await Promise.all(inFlight);
    } finally {
      secondTicker.stop();
      if (ownsClient) await client.close();
    }
    const elapsedMs = Math.max(lastEndMs, loadEndMs);
    const recorded = recorder.finish(loadEndMs, elapsedMs);
    const touchedKeys = keys.touchedKeys();
    return {
      spec,
      startedAtEpochMs,
      elapsedMs,
      stopped: stopping.signal.aborted,
      ...recorded,
      ...(history === undefined
        ? {}
        : { history: withSeeded(history.snapshot(), seededWrites, touchedKeys) }),
      touchedKeys,
    };
  }

  const done = run();
  return {
    elapsedMs: elapsed,
    setWindow: (name: WindowName) => recorder.setWindow(name, elapsed()),
    stop: () => {
      if (!stopping.signal.aborted) {
        loadEndMs ??= Math.min(elapsed(), spec.durationMs);
        stopping.abort();
      }
      return done;
    },
    done,
  };
}

/** The history with the seeded writes of the keys the load touched first. */
function withSeeded(
  history: LoadHistory,
  seeded: readonly WriteRecord[],
  touchedKeys: readonly string[],
): LoadHistory {
  if (seeded.length === 0) return history;
  const touched = new Set(touchedKeys);
  return { ...history, writes: [...seeded.filter((write) => touched.has(write.key)), ...history.writes] };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Calls `onSecond(t)` just after each second `t` of the load has passed. */
function startSecondTicker(elapsed: () => number, onSecond: (t: number) => void): { stop(): void } {
  let next = 0;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    timer = setTimeout(tick, Math.max(0, (next + 1) * 1000 - elapsed()));
  };
  const tick = () => {
    while (elapsed() >= (next + 1) * 1000) onSecond(next++);
    arm();
  };
  arm();
  return { stop: () => clearTimeout(timer) };
}
