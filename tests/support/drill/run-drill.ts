import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliIo } from '../../../tools/cli/io.js';
import { runDrillCommand } from '../../../tools/drill/drill-command.js';
import { runDrill } from '../../../tools/drill/runner.js';
import type { DrillResult } from '../../../tools/drill/types.js';

/** The shipped drills (`drills/`) and the test-only ones (`tests/chaos/drills/`). */
export const LIBRARY = fileURLToPath(new URL('../../../drills/', import.meta.url));
export const TEST_DRILLS = fileURLToPath(new URL('../../chaos/drills/', import.meta.url));

/** What a drill printed. */
export interface CapturedIo {
  readonly io: CliIo;
  stdout(): string;
  stderr(): string;
}

/** A CliIo that keeps what is written (and the signal, when a test aborts the run). */
export function captureIo(signal?: AbortSignal): CapturedIo {
  let stdout = '';
  let stderr = '';
  return {
    io: {
      stdout: (text) => {
        stdout += text;
      },
      stderr: (text) => {
        stderr += text;
      },
      env: {},
      ...(signal === undefined ? {} : { signal }),
    },
    stdout: () => stdout,
    stderr: () => stderr,
  };
}

/** Report folders of one test file, removed in `afterAll`. */
export async function reportsDir(): Promise<{
  path: string;
  out(name: string): string;
  remove(): Promise<void>;
}> {
  const path = await mkdtemp(join(tmpdir(), 'mock-s3-drills-'));
  return {
    path,
    out: (name) => join(path, name),
    remove: () => rm(path, { recursive: true, force: true }),
  };
}

/** Runs one drill file in this process against a server, as `mock-s3 drill run` would. */
export async function runDrillFile(
  file: string,
  server: { endpoint: string; adminEndpoint: string },
  options: { out: string; timeScale: number; signal?: AbortSignal; runDir?: string },
): Promise<{ result: DrillResult; stdout: string; stderr: string }> {
  const captured = captureIo(options.signal);
  const result = await runDrill(
    {
      file,
      target: server.endpoint,
      admin: server.adminEndpoint,
      out: options.out,
      timeScale: options.timeScale,
      ...(options.runDir === undefined ? {} : { runDir: options.runDir }),
    },
    captured.io,
  );
  return { result, stdout: captured.stdout(), stderr: captured.stderr() };
}

/** Runs `mock-s3 drill <argv>` in this process; resolves with the exit code and what it printed. */
export async function drillCommand(
  argv: readonly string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const captured = captureIo();
  const code = await runDrillCommand(argv, captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

/** The per-second samples wholly inside window `name` of a result. */
export function secondsIn(
  result: DrillResult,
  name: DrillResult['windows'][number]['name'],
): DrillResult['series'] {
  const window = result.windows.find((w) => w.name === name);
  if (window === undefined) return [];
  return result.series.filter((s) => s.t * 1000 >= window.fromMs && (s.t + 1) * 1000 <= window.toMs);
}

/** Errors of one code over some seconds. */
export function errorsOf(seconds: DrillResult['series'], code: string): number {
  return seconds.reduce((sum, s) => sum + (s.errorsByCode[code] ?? 0), 0);
}
