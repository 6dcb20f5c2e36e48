/**
 * `npm run bench -- --suite distinct`: the distinct-key workloads of bench/distinct/workloads.ts on
 * this server and its peers (s3rver, moto server, LocalStack's S3), same client, same run, in
 * alternating rounds. One key set per target serves every phase: the LIST prefix is written first
 * (not measured, all targets at once), the PUT rounds add new keys until this server and s3rver
 * hold `--put-keys` (moto and LocalStack, at a few hundred PUT/s, write for `--peer-put-seconds` a
 * round), and the GET rounds read over all of them. A peer that cannot be installed or started stays in the
 * report as such. Writes bench/results/distinct.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { type LoadResult, type OperationLoadSpec, runOperations } from '../client/load-loop.js';
import { samplePeakResident, treeCpuSeconds, treeResidentMiB } from '../distinct/process-tree.js';
import {
  DistinctCollector,
  type DistinctRunInfo,
  renderDistinctReport,
  type TargetSummary,
} from '../distinct/report.js';
import { SdkDefaultPut } from '../distinct/sdk-put.js';
import { SignedS3Client } from '../distinct/signed-client.js';
import {
  DISTINCT_BUCKET,
  type DistinctWorkload,
  getSpreadOperation,
  listKey,
  listPagesOperation,
  newKey,
  OBJECT_BODY,
  OBJECT_BODY_SHA256,
  putNewOperation,
  sdkPutOperation,
  type TargetState,
  verifyStored,
} from '../distinct/workloads.js';
import { describeMachine, machineFacts } from '../machine.js';
import { measureMemory, renderMemoryTable } from '../memory/measure.js';
import { startMockS3 } from '../targets/mock-s3.js';
import { selectTargets } from '../targets/registry.js';
import type { RunningTarget, TargetDefinition } from '../targets/target.js';
import { parseNumberFlags } from './flags.js';

const RESULTS_FILE = new URL('../results/distinct.md', import.meta.url);
const DEFAULT_TARGET_NAMES = ['mock-s3', 's3rver', 'moto', 'localstack'];
const DEFAULTS = {
  rounds: 3,
  seconds: 2,
  warmup: 1,
  concurrency: 16,
  /** Listing clients at once: listings are few beside reads and writes, and a page costs far more. */
  listConcurrency: 4,
  /** Keys each target should hold after the PUT rounds (the LIST prefix included). */
  putKeys: 100_000,
  listKeys: 10_000,
  /** Time bound of one PUT round of this server and s3rver, which write their whole share. */
  putRoundSeconds: 90,
  /**
   * Length of one PUT round of the other peers (moto, LocalStack): at a few hundred PUT/s their
   * share would take minutes a round; their rate is measured in this, their key sets stay smaller.
   */
  peerPutSeconds: 6,
};
type DistinctOptions = typeof DEFAULTS;

/**
 * mock-s3's settings for this suite: its metadata cache (CACHE_MAX_BYTES, 64 MiB by default, about
 * 100,000 entries) at 4 MiB, about 6,000 entries of these objects: far smaller than the 100,000-key
 * set, so GET spread reads what a large bucket costs rather than a cache that holds every key.
 */
export const DISTINCT_MOCK_S3_ENV: Readonly<Record<string, string>> = {
  CACHE_MAX_BYTES: String(4 * 1024 * 1024),
};

/** Settle time before the idle RSS is read: start-up work (bundling, PGlite) done, no load yet. */
const IDLE_SETTLE_MS = 5_000;
/** Bound on writing the LIST prefix (a slow peer writes 10,000 keys in well under this). */
const PREPARE_TIMEOUT_MS = 240_000;

export const DISTINCT_SUITE_USAGE =
  'usage: npm run bench -- --suite distinct [--targets mock-s3,s3rver,moto,localstack] [--rounds 3] [--seconds 2] [--warmup 1]\n' +
  '                      [--concurrency 16] [--list-concurrency 4] [--put-keys 100000] [--list-keys 10000]\n' +
  '                      [--put-round-seconds 90] [--peer-put-seconds 6]\n' +
  '                      [--no-memory]   (skips bench/memory: idle RSS, 1 GiB PUT/GET and 16x100 MiB PUTs)';

function progress(message: string): void {
  process.stderr.write(`[bench:distinct] ${message}\n`);
}

interface Measured {
  readonly running: RunningTarget;
  readonly state: TargetState;
  readonly idleResidentMiB: number;
  peak?: { stop(): Promise<number> };
  keysAtGet: number;
}

function definitionOf(name: string): TargetDefinition {
  if (name === 'mock-s3') return { name, start: () => startMockS3(name, DISTINCT_MOCK_S3_ENV) };
  return selectTargets([name])[0]!;
}

function parseOptions(argv: readonly string[]): {
  options: DistinctOptions;
  targets: string[];
  memory: boolean;
} {
  const rest: string[] = [];
  let targets = DEFAULT_TARGET_NAMES;
  let memory = true;
  for (let index = 0; index < argv.length; index++) {
    const [flag, inline] = argv[index]!.split('=', 2) as [string, string | undefined];
    if (flag === '--no-memory') {
      memory = false;
      continue;
    }
    if (flag !== '--targets') {
      rest.push(argv[index]!);
      continue;
    }
    const value = inline ?? argv[++index];
    if (value === undefined) throw new Error('--targets needs a value');
    targets = value.split(',').filter((name) => name.length > 0);
  }
  for (const name of targets) definitionOf(name);
  return { options: parseNumberFlags(rest, DEFAULTS), targets, memory };
}

function opsPerSecond(result: LoadResult): number {
  return result.elapsedMs > 0 ? (result.completed * 1000) / result.elapsedMs : 0;
}

function currentCommit(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    // Results and docs change between runs; only a change to the code makes the commit a lie.
    const dirty = execFileSync(
      'git',
      [
        'status',
        '--porcelain',
        '--untracked-files=no',
        '--',
        '.',
        ':!bench/results',
        ':!docs',
        ':!README.md',
      ],
      { encoding: 'utf8' },
    );
    return dirty.trim() === '' ? commit : `${commit} (with uncommitted changes)`;
  } catch {
    return 'unknown';
  }
}

async function startTarget(name: string, options: DistinctOptions): Promise<Measured> {
  progress(`starting ${name}`);
  const running = await definitionOf(name).start();
  try {
    await new Promise((resolve) => setTimeout(resolve, IDLE_SETTLE_MS));
    const idleResidentMiB = await treeResidentMiB(running.pid);
    const client = new SignedS3Client(running.baseUrl, DISTINCT_BUCKET);
    const state: TargetState = {
      client,
      sdk: new SdkDefaultPut(running.baseUrl, DISTINCT_BUCKET, options.concurrency),
      keys: [],
    };
    await client.createBucket();
    progress(`${name} up at ${running.baseUrl}, idle RSS ${idleResidentMiB.toFixed(0)} MiB`);
    return { running, state, idleResidentMiB, keysAtGet: 0 };
  } catch (error) {
    await running.stop();
    throw error;
  }
}

/** Writes the LIST prefix on one target (not measured); every key must be written. */
async function prepareListPrefix(target: Measured, options: DistinctOptions): Promise<void> {
  const result = await runOperations({
    concurrency: options.concurrency,
    warmupMs: 0,
    measureMs: PREPARE_TIMEOUT_MS,
    maxOperations: options.listKeys,
    operation: (n) => target.state.client.putObject(listKey(n), OBJECT_BODY, OBJECT_BODY_SHA256),
  });
  if (result.errors > 0 || result.completed !== options.listKeys) {
    throw new Error(
      `writing the LIST prefix: ${result.completed} of ${options.listKeys} keys, ${result.errors} errors, first: ${result.firstError}`,
    );
  }
  await verifyStored(target.state, listKey(0));
  for (let n = 0; n < options.listKeys; n++) target.state.keys.push(listKey(n));
  progress(`${target.running.name}: LIST prefix written, ${opsPerSecond(result).toFixed(0)} PUT/s`);
}

/** A phase's result and the target's CPU time per call over it (warm-up included on both sides). */
interface Metered {
  readonly result: LoadResult;
  readonly cpuMicrosPerCall: number;
}

async function metered(target: Measured, spec: OperationLoadSpec): Promise<Metered> {
  const before = await treeCpuSeconds(target.running.pid);
  const result = await runOperations(spec);
  const after = await treeCpuSeconds(target.running.pid);
  const calls = result.calls ?? 0;
  return { result, cpuMicrosPerCall: calls > 0 ? ((after - before) * 1e6) / calls : Number.NaN };
}

/**
 * The GET goals compare this server and s3rver over the whole key set: their PUT rounds write
 * their whole share, and should a round hit its time bound (a machine too busy), the keys they miss
 * are written before the GET rounds, not measured, both at once.
 */
const FULL_KEY_SET_TARGETS: readonly string[] = ['mock-s3', 's3rver'];
const TOP_UP_TIMEOUT_MS = 120_000;

async function topUpKeys(target: Measured, options: DistinctOptions): Promise<void> {
  const missing = options.putKeys - target.state.keys.length;
  if (missing <= 0) return;
  progress(`${target.running.name}: writing the ${missing} keys its PUT rounds did not (not measured)`);
  const result = await runOperations({
    concurrency: options.concurrency,
    warmupMs: 0,
    measureMs: TOP_UP_TIMEOUT_MS,
    maxOperations: missing,
    operation: putNewOperation(target.state, 0),
  });
  progress(`${target.running.name}: ${target.state.keys.length} keys, ${result.errors} errors topping up`);
}

/** The targets in round `round`'s order: each round starts one target later. */
function rotated<T>(items: readonly T[], round: number): T[] {
  const shift = (round - 1) % Math.max(1, items.length);
  return [...items.slice(shift), ...items.slice(0, shift)];
}

async function measureRounds(
  targets: readonly Measured[],
  options: DistinctOptions,
  collector: DistinctCollector,
): Promise<void> {
  const record = (workload: DistinctWorkload, target: Measured, round: number, measured: Metered) => {
    collector.add(workload, target.running.name, measured.result, measured.cpuMicrosPerCall);
    progress(
      `round ${round}/${options.rounds} ${workload} ${target.running.name}: ${opsPerSecond(measured.result).toFixed(0)} ops/s, ` +
        `${measured.cpuMicrosPerCall.toFixed(0)} µs server CPU per op, ${measured.result.errors} errors` +
        `${measured.result.firstError ? ` (${measured.result.firstError.slice(0, 200)})` : ''}`,
    );
  };
  const putPerRound = Math.ceil(Math.max(0, options.putKeys - options.listKeys) / options.rounds);
  for (let round = 1; round <= options.rounds; round++) {
    for (const target of rotated(targets, round)) {
      const fullSet = FULL_KEY_SET_TARGETS.includes(target.running.name);
      const result = await metered(target, {
        concurrency: options.concurrency,
        warmupMs: options.warmup * 1000,
        measureMs: (fullSet ? options.putRoundSeconds : options.peerPutSeconds) * 1000,
        maxOperations: putPerRound,
        operation: putNewOperation(target.state, round),
      });
      record('PUT new', target, round, result);
    }
  }
  await Promise.all(
    targets
      .filter((target) => FULL_KEY_SET_TARGETS.includes(target.running.name))
      .map((target) => topUpKeys(target, options)),
  );
  for (const target of targets) {
    target.keysAtGet = target.state.keys.length;
    await verifyStored(target.state, newKey('put', 1, 0)).catch((error: unknown) => {
      throw new Error(`${target.running.name}: ${error instanceof Error ? error.message : String(error)}`);
    });
  }
  const timed = {
    concurrency: options.concurrency,
    warmupMs: options.warmup * 1000,
    measureMs: options.seconds * 1000,
  };
  for (let round = 1; round <= options.rounds; round++) {
    for (const target of rotated(targets, round)) {
      record(
        'GET spread',
        target,
        round,
        await metered(target, { ...timed, operation: getSpreadOperation(target.state, round) }),
      );
    }
    for (const target of rotated(targets, round)) {
      const operation = listPagesOperation(target.state, options.listConcurrency, options.listKeys);
      const result = await metered(target, { ...timed, concurrency: options.listConcurrency, operation });
      record('LIST pages', target, round, result);
    }
    for (const target of rotated(targets, round)) {
      const measured = await metered(target, { ...timed, operation: sdkPutOperation(target.state, round) });
      // The SDK's aws-chunked body must be stored decoded: read one object back, byte for byte.
      const verified = await verifyStored(target.state, newKey('sdk', round, 0)).then(
        () => measured,
        (error: unknown): Metered => ({
          ...measured,
          result: {
            ...measured.result,
            errors: measured.result.errors + 1,
            firstError:
              measured.result.firstError ??
              `the object read back is not the 1 KiB the SDK sent (${error instanceof Error ? error.message : String(error)})`,
          },
        }),
      );
      record('SDK PUT', target, round, verified);
    }
  }
}

/**
 * Runs the suite; resolves with the exit code: 1 when a row of this server had errors. A peer's
 * errors (s3rver keeps the aws-chunked framing as the object) and missing peers are in the report.
 */
export async function runDistinctSuite(argv: readonly string[]): Promise<number> {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(argv);
  } catch (error) {
    process.stderr.write(
      `${error instanceof Error ? error.message : String(error)}\n${DISTINCT_SUITE_USAGE}\n`,
    );
    return 2;
  }
  const { options } = parsed;
  const started = new Date();
  const machine = describeMachine(machineFacts());
  const commit = currentCommit();
  const summaries: TargetSummary[] = [];
  const measured: Measured[] = [];
  const collector = new DistinctCollector();
  try {
    // All at once: start-up is mostly waiting (bundling, PGlite, Python imports, the idle settle).
    const starts = await Promise.allSettled(parsed.targets.map((name) => startTarget(name, options)));
    for (const [index, start] of starts.entries()) {
      const name = parsed.targets[index]!;
      if (start.status === 'fulfilled') {
        measured.push(start.value);
      } else {
        const error: unknown = start.reason;
        const reason = error instanceof Error ? error.message : String(error);
        progress(`${name} not measured: ${reason}`);
        summaries.push({
          name,
          unavailable: reason,
          idleResidentMiB: Number.NaN,
          peakResidentMiB: Number.NaN,
          keys: 0,
        });
      }
    }
    for (const target of measured) target.peak = samplePeakResident(target.running.pid);
    progress(`writing the ${options.listKeys}-key LIST prefix on every target at once`);
    const prepared = await Promise.allSettled(measured.map((target) => prepareListPrefix(target, options)));
    for (const [index, outcome] of [...prepared.entries()].reverse()) {
      if (outcome.status === 'fulfilled') continue;
      const [target] = measured.splice(index, 1) as [Measured];
      const reason = outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason);
      progress(`${target.running.name} not measured: ${reason}`);
      summaries.push({
        name: target.running.name,
        unavailable: reason,
        idleResidentMiB: target.idleResidentMiB,
        peakResidentMiB: Number.NaN,
        keys: 0,
      });
      await target.peak?.stop();
      await stopTarget(target);
    }
    await measureRounds(measured, options, collector);
  } finally {
    for (const target of measured) {
      const peakResidentMiB = (await target.peak?.stop()) ?? Number.NaN;
      summaries.push({
        name: target.running.name,
        idleResidentMiB: target.idleResidentMiB,
        peakResidentMiB,
        keys: target.keysAtGet,
      });
    }
    await Promise.all(measured.map(stopTarget));
  }
  const order = (name: string) => {
    const at = parsed.targets.indexOf(name);
    return at < 0 ? parsed.targets.length : at;
  };
  summaries.sort((a, b) => order(a.name) - order(b.name));
  const info: { -readonly [K in keyof DistinctRunInfo]: DistinctRunInfo[K] } = {
    started,
    minutes: (Date.now() - started.getTime()) / 60_000,
    machine,
    loadAverageAtEnd: loadavg()
      .map((value) => value.toFixed(2))
      .join(' / '),
    commit,
    rounds: options.rounds,
    seconds: options.seconds,
    warmupSeconds: options.warmup,
    concurrency: options.concurrency,
    listConcurrency: options.listConcurrency,
    putKeys: options.putKeys,
    putRoundSeconds: options.putRoundSeconds,
    peerPutSeconds: options.peerPutSeconds,
    listKeys: options.listKeys,
    mockS3Env: DISTINCT_MOCK_S3_ENV,
  };
  const memoryTable = parsed.memory ? await measureLargeBodies() : undefined;
  info.minutes = (Date.now() - started.getTime()) / 60_000;
  const rows = collector.rows();
  const report = renderDistinctReport(info, summaries, rows, memoryTable);
  process.stdout.write(report);
  await mkdir(new URL('.', RESULTS_FILE), { recursive: true });
  await writeFile(RESULTS_FILE, report);
  const subject = summaries.find((target) => target.name === 'mock-s3');
  const subjectFailed =
    subject?.unavailable !== undefined || rows.some((row) => row.target === 'mock-s3' && row.errors > 0);
  return subjectFailed ? 1 : 0;
}

/**
 * MEMORY's bench (bench/memory/measure.ts), after every target has stopped: the idle RSS of
 * `npm start` and the peak rise of a 1 GiB PUT, a 1 GiB GET and 16 concurrent 100 MiB PUTs, each on
 * a server of its own. Its table, or why it could not be measured.
 */
async function measureLargeBodies(): Promise<string> {
  progress('memory: idle RSS and large bodies (bench/memory)');
  try {
    const report = await measureMemory({ progress: (message) => progress(`memory: ${message}`) });
    return renderMemoryTable(report);
  } catch (error) {
    return `not measured: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
  }
}

async function stopTarget(target: Measured): Promise<void> {
  target.state.client.close();
  target.state.sdk.close();
  await target.running.stop().catch((error: unknown) => {
    progress(`stopping ${target.running.name}: ${error instanceof Error ? error.message : String(error)}`);
  });
}
