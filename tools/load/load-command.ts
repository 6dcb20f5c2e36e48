/**
 * `mock-s3 load`: creates a bucket of the run's own (unless `--bucket`), runs the load engine with
 * a status line, prints the per-operation summary, writes `load.json` and `summary.md` with
 * `--out`, and removes the bucket (unless `--keep`). Ctrl-C stops the load and still prints the
 * summary (exit 130).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../cli/commands.js';
import type { CliIo } from '../cli/io.js';
import { watchActiveFaults } from './active-faults.js';
import { createLoadClient } from './clients/create-client.js';
import { startLoad } from './engine.js';
import { LOAD_USAGE, type LoadOptions, parseLoadOptions } from './load-options.js';
import { renderLoadSummary } from './load-summary.js';
import { createStatusLine, type StatusOutput } from './status-line.js';
import type { LoadRun, LoadSpec } from './types.js';

export interface LoadCommandDeps {
  /** Where the status line goes; default stderr (a TTY when the terminal is one). */
  readonly statusOut?: StatusOutput;
  /** Epoch ms: names the run and, without `--seed`, seeds it. */
  readonly now?: () => number;
}

/** Runs `mock-s3 load <argv>`; resolves to the exit code (0 done, 1 target refused, 2 usage, 130 Ctrl-C). */
export async function runLoadCommand(
  argv: readonly string[],
  io: CliIo,
  deps: LoadCommandDeps = {},
): Promise<number> {
  let options: LoadOptions;
  try {
    options = parseLoadOptions(argv, io.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`mock-s3: ${error.message}\n${LOAD_USAGE}`);
    return 2;
  }
  if (options.help) {
    io.stdout(LOAD_USAGE);
    return 0;
  }
  const startedAt = (deps.now ?? Date.now)();
  const runId = `${startedAt.toString(36)}`;
  const seed = options.seed ?? startedAt % 1_000_000;
  const bucket = options.bucket ?? `load-${runId}`;
  const client = createLoadClient(options.client, options.target, {
    timeoutMs: options.timeoutMs,
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
  });
  try {
    const created = await client.createBucket(bucket);
    const alreadyOurs = created.errorCode === 'BucketAlreadyOwnedByYou';
    if (!created.ok && !(options.bucket !== undefined && alreadyOurs)) {
      io.stderr(
        `mock-s3: load: cannot create bucket ${bucket} at ${options.target}: ${created.errorCode ?? 'no answer'}\n`,
      );
      return 1;
    }
    const ownsBucket = created.ok && !options.keep;
    const spec: LoadSpec = {
      target: options.target,
      bucket,
      keyPrefix: `${runId}/`,
      durationMs: options.durationMs,
      loop: options.loop,
      keys: options.keys,
      size: options.size,
      mix: options.mix,
      client: options.client,
      seed,
      ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
      recordHistory: false,
      requestTimeoutMs: options.timeoutMs,
    };
    const run = await runWithStatus(spec, options, io, deps);
    const summary = renderLoadSummary(run.run);
    io.stdout(summary);
    if (options.out !== undefined) await writeOutputs(options.out, run.run, summary);
    if (ownsBucket) {
      const removed = await client.emptyAndDeleteBucket(bucket);
      if (!removed.ok) io.stderr(`mock-s3: load: bucket ${bucket} left behind: ${removed.errorCode}\n`);
    }
    return run.interrupted ? 130 : 0;
  } finally {
    await client.close();
  }
}

async function runWithStatus(
  spec: LoadSpec,
  options: LoadOptions,
  io: CliIo,
  deps: LoadCommandDeps,
): Promise<{ run: LoadRun; interrupted: boolean }> {
  const faults = watchActiveFaults(options.admin);
  const status = createStatusLine(
    deps.statusOut ?? { write: (text) => io.stderr(text), isTTY: io.stderrIsTTY === true },
    spec.durationMs,
    faults.current,
  );
  const handle = startLoad(spec, { onSecond: status.onSecond });
  let interrupted = false;
  const interrupt = () => {
    interrupted = true;
    void handle.stop();
  };
  const onSigint = () => interrupt();
  if (io.signal === undefined) process.once('SIGINT', onSigint);
  else io.signal.addEventListener('abort', interrupt, { once: true });
  try {
    return { run: await handle.done, interrupted };
  } finally {
    process.off('SIGINT', onSigint);
    io.signal?.removeEventListener('abort', interrupt);
    faults.stop();
    status.finish();
  }
}

/** `load.json` (the run without its history) and `summary.md`. */
async function writeOutputs(dir: string, run: LoadRun, summary: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const { history: _history, ...withoutHistory } = run;
  await writeFile(join(dir, 'load.json'), `${JSON.stringify(withoutHistory, null, 2)}\n`);
  await writeFile(join(dir, 'summary.md'), summary);
}
