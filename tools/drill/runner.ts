/**
 * `mock-s3 drill run`: one drill from its file to its verdict (DRILLS.md). Checks everything
 * before anything is applied (file, target, what the mode can do), then drives load, applies the
 * steps on the timeline, always rolls back, reads back what was written, judges the probes and
 * writes the report.
 */
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { CliIo } from '../cli/io.js';
import { createLoadClient } from '../load/clients/create-client.js';
import { startLoad } from '../load/engine.js';
import { createStatusLine } from '../load/status-line.js';
import type { LoadRun, LoadSpec, S3LoadClient } from '../load/types.js';
import { createActuator } from './actions/actuator.js';
import { refuseImpossibleSteps } from './actions/capabilities.js';
import { type AttachedOrigin, attachOrigin, requireOriginApi } from './actions/drill-origin.js';
import { cleanupLeftovers } from './actions/leftovers.js';
import { fetchMetrics } from './actions/metrics.js';
import { inspectTarget } from './actions/target.js';
import { readDrillFile } from './drill-file.js';
import { checkIntegrity } from './integrity/checker.js';
import { readBack } from './integrity/read-back.js';
import { renderPlan } from './plan.js';
import { judgeProbes, verdictReason } from './probes.js';
import { renderSummary } from './report/summary.js';
import { writeReport } from './report/write-report.js';
import {
  type AppliedStep,
  compactUtc,
  couldNotRun,
  faultWindowsOf,
  newRunId,
  operationRows,
  replayCommand,
  summarizeFirings,
  versions,
} from './result-parts.js';
import { type Sampled, startSamplers } from './samplers.js';
import { scaleDrill } from './time-scale.js';
import { loadStopper, runTimeline } from './timeline.js';
import {
  type DrillFile,
  DrillFileError,
  type DrillResult,
  type IntegrityReport,
  type ReadBack,
  type TargetInfo,
} from './types.js';
import { planTimeline, windowsFor } from './windows.js';

export interface DrillRunOptions {
  /** The drill file (YAML). */
  readonly file: string;
  /** The S3 endpoint under test. */
  readonly target: string;
  /** The control plane; actions that need one are refused up front when none answers. */
  readonly admin?: string;
  /** The report's folder (default `reports/<name>-<UTC time>/`). */
  readonly out?: string;
  /** Print the plan and stop: nothing applied, nothing created, no load. */
  readonly dryRun?: boolean;
  /** Stack mode: where the pid files are (`--run-dir`). */
  readonly runDir?: string;
  /** `--time-scale F`: multiplies the load's duration, every `at` and `recovery`. */
  readonly timeScale?: number;
  /** The run id (keys' prefix, `{run}` in the bucket name); a fresh one by default. */
  readonly runId?: string;
  /** The clock (epoch ms). */
  readonly now?: () => number;
  /** Called with the load's own record once it ends (its history included): for tests and tools. */
  readonly observeLoad?: (run: LoadRun) => void;
}

/** How long emptying and deleting the drill's bucket may take before the run gives up on it. */
const CLEANUP_TIMEOUT_MS = 60_000;
/**
 * A backstop only: the read-back keeps its own deadline (120 s) and answers what it read by then,
 * the rest unverifiable. Past this, it is not answering at all, and the integrity probe is unjudged.
 */
const READ_BACK_BACKSTOP_MS = 150_000;

/**
 * Runs one drill and resolves with its result (exit code inside). Refusals (a bad file, a target
 * that does not answer, an action the mode cannot do) resolve with exit code 2 before anything
 * is applied; `io.signal` (Ctrl-C) stops the load, rolls back and resolves with 130. Every rule,
 * stopped node or partition the drill made is undone before it resolves, whatever happened.
 */
export async function runDrill(options: DrillRunOptions, io: CliIo): Promise<DrillResult> {
  const now = options.now ?? Date.now;
  const timeScale = options.timeScale ?? 1;
  const startedAt = new Date(now()).toISOString();
  const log = (line: string): void => io.stderr(`${line}\n`);

  let drill: DrillFile;
  let target: TargetInfo;
  let timeline: { warmupEndMs: number; loadEndMs: number };
  try {
    drill = scaleDrill(await readDrillFile(options.file), timeScale);
    timeline = planTimeline(drill);
    target = await inspectTarget({
      target: options.target,
      env: io.env,
      ...(options.admin === undefined ? {} : { admin: options.admin }),
      ...(options.runDir === undefined ? {} : { runDir: options.runDir }),
    });
    refuseImpossibleSteps(drill, target);
    await requireOriginApi(drill, target);
  } catch (error) {
    const message = error instanceof DrillFileError ? error.message : `${options.file}: ${messageOf(error)}`;
    log(`mock-s3 drill: ${message}`);
    log('nothing was applied');
    return couldNotRun(options, startedAt, now, message);
  }

  const command = replayCommand({
    file: options.file,
    target: target.target,
    ...(target.admin === undefined ? {} : { admin: target.admin }),
    timeScale,
  });
  if (options.dryRun === true) {
    io.stdout(renderPlan(drill, timeline, target, timeScale));
    return {
      ...couldNotRun(options, startedAt, now, 'dry run: nothing applied, no load sent'),
      name: drill.name,
      description: drill.description,
      verdict: 'passed',
      exitCode: 0,
      seed: drill.seed,
      command,
      drillFile: drill.source,
    };
  }

  const runId = options.runId ?? newRunId(now);
  const bucket = drill.load.bucket.replaceAll('{run}', runId);
  const keyPrefix = `${runId}/`;
  const rollbackLog: string[] = [];
  for (const leftover of await cleanupLeftovers(log))
    rollbackLog.push(`leftover of an earlier run: ${leftover}`);

  // The drill's own requests (bucket, read-back, removal) go through the lean client with no
  // retries hiding anything: the final read must see what the server really holds.
  const setup = createLoadClient('raw', target.target);
  let origin: AttachedOrigin | undefined;
  // The origin stays attached through the final read-back (which reads through it), then goes.
  const detachOrigin = async (): Promise<readonly string[]> => {
    const attached = origin;
    origin = undefined;
    return attached === undefined ? [] : attached.detach(drill.load.keep);
  };
  try {
    const created = await setup.createBucket(bucket);
    if (!created.ok) {
      const message =
        `load.bucket: CreateBucket ${bucket} answered ${created.status ?? 'nothing'} ${created.errorCode ?? ''}`.trim();
      log(`mock-s3 drill: ${message}`);
      return { ...couldNotRun(options, startedAt, now, message), name: drill.name, runId };
    }
    if (drill.origin !== undefined) {
      try {
        origin = await attachOrigin({
          origin: drill.origin,
          target,
          runId,
          bucket,
          keyPrefix,
          seed: drill.seed,
          client: setup,
          log,
        });
      } catch (error) {
        const message = messageOf(error);
        log(`mock-s3 drill: ${message}`);
        await removeBucket(setup, bucket, log);
        return { ...couldNotRun(options, startedAt, now, message), name: drill.name, runId };
      }
    }
    const seeded = origin === undefined ? undefined : { bucket: origin.bucket, keys: origin.objects.length };
    const metricsBefore = await fetchMetrics(target.admin);
    const actuator = createActuator(drill, target, runId, log);
    const spec: LoadSpec = {
      target: target.target,
      bucket,
      keyPrefix,
      durationMs: timeline.loadEndMs,
      loop: drill.load.loop,
      keys: drill.load.keys,
      size: drill.load.size,
      mix: drill.load.mix,
      client: drill.load.client,
      seed: drill.seed,
      ...(drill.load.maxAttempts === undefined ? {} : { maxAttempts: drill.load.maxAttempts }),
      recordHistory: drill.steadyState.some((probe) => probe.probe === 'integrity'),
      ...(origin === undefined ? {} : { preexisting: origin.objects }),
    };
    const steps: AppliedStep[] = [];
    const activeFaults = (): string[] => {
      const windows = faultWindowsOf(steps, Number.POSITIVE_INFINITY);
      const last = windows[windows.length - 1];
      return last !== undefined && last.toMs === Number.POSITIVE_INFINITY ? [last.label] : [];
    };
    const status = createStatusLine(
      { write: io.stderr, isTTY: io.stderrIsTTY === true },
      timeline.loadEndMs,
      activeFaults,
    );

    log(`drill ${drill.name}: run ${runId}, bucket ${bucket}, seed ${drill.seed}`);
    const handle = startLoad(
      spec,
      { onSecond: (sample, elapsedMs) => status.onSecond(sample, elapsedMs) },
      options.now === undefined ? {} : { now: options.now },
    );
    const loadStartEpochMs = now() - handle.elapsedMs();
    const samplers = startSamplers(drill, target, actuator.scenario, loadStartEpochMs);

    let run: LoadRun;
    let stepFailure: string | undefined;
    let sampled: Sampled;
    let integrity: IntegrityReport | undefined;
    try {
      const stopper = loadStopper(handle, io.signal, log);
      try {
        stepFailure = await runTimeline(drill, timeline, handle, actuator, steps, io.signal, log);
        if (stepFailure !== undefined) void stopper.stop();
        run = await stopper.finished;
        options.observeLoad?.(run);
      } finally {
        stopper.dispose();
        status.finish();
        // Rollback always: after the load, on a step's failure, on Ctrl-C, on an exception.
        // (The actuator prints each line as it undoes it; the report keeps them.)
        rollbackLog.push(...(await actuator.rollback()));
      }
      let truth: ReadBack | undefined;
      if (run.history !== undefined && io.signal?.aborted !== true && stepFailure === undefined) {
        log(`integrity: reading back ${run.touchedKeys.length} keys`);
        // A read-back that cannot finish leaves the integrity probe unjudged (it fails), not the run.
        truth = await withTimeout(
          readBack(
            setup,
            bucket,
            keyPrefix,
            run.touchedKeys,
            seeded === undefined ? {} : { originBucket: seeded.bucket },
          ),
          READ_BACK_BACKSTOP_MS,
          'the read-back',
        ).catch((error: unknown) => {
          log(`integrity: the read-back failed: ${messageOf(error)}`);
          return undefined;
        });
      }
      // After the read-back: firings on its requests belong to the check.
      sampled = await samplers.stop();
      if (run.history !== undefined && truth !== undefined) {
        integrity = checkIntegrity(run.history, truth, sampled.firings);
      }
    } finally {
      // On an exception too: the pollers' timers must not keep the process alive.
      await samplers.stop();
    }
    rollbackLog.push(...(await detachOrigin()));
    const aborted = io.signal?.aborted === true;
    const firings = sampled.firings;
    const queuePending = sampled.queuePending;
    const metricsAfter = await fetchMetrics(target.admin);
    const probes = judgeProbes(drill.steadyState, {
      run,
      http: sampled.http,
      queuePending,
      ...(integrity === undefined ? {} : { integrity }),
    });
    const held = probes.every((probe) => probe.ok);
    const outcome: Pick<DrillResult, 'verdict' | 'exitCode' | 'reason'> = aborted
      ? { verdict: 'aborted', exitCode: 130, reason: 'aborted (Ctrl-C): load stopped, rolled back' }
      : stepFailure !== undefined
        ? { verdict: 'error', exitCode: 2, reason: stepFailure }
        : { verdict: held ? 'passed' : 'failed', exitCode: held ? 0 : 1, reason: verdictReason(probes) };

    const result: DrillResult = {
      schema: 'mock-s3/drill-result@1',
      name: drill.name,
      description: drill.description,
      ...outcome,
      runId,
      seed: drill.seed,
      startedAt,
      endedAt: new Date(now()).toISOString(),
      target: target.target,
      ...(target.admin === undefined ? {} : { admin: target.admin }),
      mode: target.mode,
      client: drill.load.client,
      loop: drill.load.loop,
      load: {
        durationMs: spec.durationMs,
        elapsedMs: run.elapsedMs,
        keys: spec.keys,
        size: spec.size,
        mix: spec.mix,
        bucket,
        keyPrefix,
        ...(spec.maxAttempts === undefined ? {} : { maxAttempts: spec.maxAttempts }),
        ...(seeded === undefined ? {} : { origin: seeded }),
      },
      command,
      versions: versions(),
      windows: windowsFor(run.windowBounds),
      steps: steps.map(({ faultActive: _, ...step }) => step),
      faultWindows: faultWindowsOf(steps, run.elapsedMs),
      series: run.seconds,
      serverSeries: { queuePending },
      operations: operationRows(run.total),
      probes,
      ...(integrity === undefined ? {} : { integrity }),
      firings: summarizeFirings(firings),
      rollback: rollbackLog,
      drillFile: drill.source,
    };
    const out = options.out ?? join('reports', `${drill.name}-${compactUtc(startedAt)}`);
    const written = await writeReport(out, result, { metricsBefore, metricsAfter, events: firings });
    io.stdout(renderSummary(result));
    io.stdout(`\nreport: ${written.html}\n`);
    if (!drill.load.keep) await removeBucket(setup, bucket, log);
    return result;
  } finally {
    // On an exception too: an origin left attached would read through for whoever uses the bucket next.
    await detachOrigin();
    await setup.close();
  }
}

/** Empties and deletes the drill's bucket; a failure is said, not thrown (the verdict stands). */
async function removeBucket(
  client: S3LoadClient,
  bucket: string,
  log: (line: string) => void,
): Promise<void> {
  try {
    const removed = await withTimeout(
      client.emptyAndDeleteBucket(bucket),
      CLEANUP_TIMEOUT_MS,
      'removing the bucket',
    );
    if (!removed.ok) log(`bucket ${bucket} not removed: ${removed.status ?? ''} ${removed.errorCode ?? ''}`);
  } catch (error) {
    log(`bucket ${bucket} not removed: ${messageOf(error)}`);
  }
}

async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  const timer = new AbortController();
  try {
    return await Promise.race([
      work,
      delay(ms, undefined, { signal: timer.signal }).then(() => {
        throw new Error(`${what} took more than ${ms / 1000}s`);
      }),
    ]);
  } finally {
    timer.abort();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
