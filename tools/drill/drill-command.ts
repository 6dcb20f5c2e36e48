/**
 * `mock-s3 drill run|list|cleanup` (DRILLS.md "Commands"). Exit status of `run`: 0 every probe
 * held, 1 a probe was violated, 2 the drill could not run, 130 aborted (Ctrl-C).
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { type CliIo, interruptSignal } from '../cli/io.js';
import { cleanupLeftovers } from './actions/leftovers.js';
import { listLibrary } from './library.js';
import { runDrill } from './runner.js';
import { parseTimeScale } from './time-scale.js';
import { DrillFileError } from './types.js';

/** Embedded mode's S3 endpoint and control plane (DRILLS.md defaults). */
export const DRILL_DEFAULTS = { target: 'http://127.0.0.1:8080', admin: 'http://127.0.0.1:9000' } as const;

const RUN_OPTIONS = {
  target: { type: 'string' },
  admin: { type: 'string' },
  out: { type: 'string' },
  'dry-run': { type: 'boolean' },
  'run-dir': { type: 'string' },
  'time-scale': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

/** The usage text of `mock-s3 drill`. */
export function drillUsage(): string {
  return [
    'usage: mock-s3 drill run FILE.yaml [--target URL] [--admin URL] [--out DIR] [--dry-run]',
    '                                   [--run-dir DIR] [--time-scale F]',
    `      run a drill: load, faults on a timeline, rollback, verdict, report (target ${DRILL_DEFAULTS.target},`,
    `      admin ${DRILL_DEFAULTS.admin} by default; $MOCK_S3_TARGET and $MOCK_S3_ADMIN override them)`,
    '       mock-s3 drill list',
    '      the drills shipped in drills/ (name, mode, what each shows)',
    '       mock-s3 drill cleanup',
    '      undo what a killed runner left applied (partitions, stopped nodes and services, drill rules)',
    'exit status of run: 0 passed, 1 a probe violated, 2 could not run, 130 aborted',
    '',
  ].join('\n');
}

/** Runs `mock-s3 drill ...` (argv without `drill`); resolves to the exit code. */
export async function runDrillCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    io.stdout(drillUsage());
    return 0;
  }
  if (sub === 'list' && rest.length === 0) {
    io.stdout(await listLibrary());
    return 0;
  }
  if (sub === 'cleanup' && rest.length === 0) {
    const undone = await cleanupLeftovers((line) => io.stderr(`${line}\n`));
    io.stdout(
      undone.length === 0
        ? 'nothing left to clean up\n'
        : `${undone.map((line) => `undone: ${line}`).join('\n')}\n`,
    );
    return 0;
  }
  if (sub !== 'run')
    return usageError(io, sub === undefined ? 'a subcommand is required' : `unknown: ${argv.join(' ')}`);

  let parsed: ReturnType<
    typeof parseArgs<{ options: typeof RUN_OPTIONS; allowPositionals: true; args: string[] }>
  >;
  try {
    parsed = parseArgs({ args: rest, options: RUN_OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    return usageError(io, (error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    io.stdout(drillUsage());
    return 0;
  }
  if (positionals.length !== 1) return usageError(io, 'drill run takes one drill file');
  let timeScale: number;
  try {
    timeScale = parseTimeScale(values['time-scale']);
  } catch (error) {
    if (!(error instanceof DrillFileError)) throw error;
    return usageError(io, error.message);
  }
  const interrupt = interruptSignal(io);
  try {
    const result = await runDrill(
      {
        file: positionals[0] as string,
        target: values.target ?? io.env.MOCK_S3_TARGET ?? DRILL_DEFAULTS.target,
        admin: values.admin ?? io.env.MOCK_S3_ADMIN ?? DRILL_DEFAULTS.admin,
        timeScale,
        dryRun: values['dry-run'] === true,
        ...(values.out === undefined ? {} : { out: values.out }),
        ...(values['run-dir'] === undefined ? {} : { runDir: values['run-dir'] }),
      },
      { ...io, signal: interrupt.signal },
    );
    return result.exitCode;
  } catch (error) {
    // Rolled back already (runDrill's finally); exit 1 would read as "a probe was violated".
    io.stderr(`mock-s3 drill: the drill could not finish: ${(error as Error).message ?? String(error)}\n`);
    return 2;
  } finally {
    interrupt.dispose();
  }
}

function usageError(io: CliIo, message: string): number {
  io.stderr(`mock-s3 drill: ${message}\n${drillUsage()}`);
  return 2;
}
