/**
 * `mock-s3`: a command line over the fault-injection control API (FAULTS.md, Control) and the
 * origins API (`mock-s3 origin ...`).
 * `bin/mock-s3.js` loads this file through tsx and calls {@link run}.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { parseCommand, UsageError, usage } from './commands.js';
import { ControlApiError, type ControlRequest, sendControl } from './control-client.js';
import { type CliIo, interruptSignal, processIo } from './io.js';

export type { CliIo } from './io.js';

/** Polling interval bounds of `events --follow`, in milliseconds. */
export const FOLLOW_INTERVAL = { min: 100, max: 60_000, default: 1000 } as const;

/** Runs one command; resolves to the exit code (0 ok, 1 refused or unreachable, 2 usage). */
export async function run(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  try {
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
      io.stdout(usage());
      return argv.length === 0 ? 2 : 0;
    }
    // Loaded on demand: the load generator and the drill runner bring the AWS SDK, which the
    // control commands never need.
    if (argv[0] === 'load')
      return await (await import('../load/load-command.js')).runLoadCommand(argv.slice(1), io);
    if (argv[0] === 'drill')
      return await (await import('../drill/drill-command.js')).runDrillCommand(argv.slice(1), io);
    const command = parseCommand(argv, io.env);
    if (command.values.help === true) {
      io.stdout(usage());
      return 0;
    }
    const request = await command.spec.build(command.values, command.positionals);
    if (command.name === 'events' && command.values.follow === true) {
      await followEvents(command.endpoint, request, followInterval(command.values.interval), io);
      return 0;
    }
    const answer = await sendControl(command.endpoint, request);
    io.stdout(`${JSON.stringify(answer, null, 2)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`mock-s3: ${error.message}\n(mock-s3 --help lists the commands)\n`);
      return 2;
    }
    if (error instanceof ControlApiError) {
      io.stderr(`mock-s3: ${error.message}\n`);
      return 1;
    }
    io.stderr(`mock-s3: ${(error as Error).message ?? String(error)}\n`);
    return 1;
  }
}

function followInterval(value: string | boolean | undefined): number {
  if (value === undefined) return FOLLOW_INTERVAL.default;
  const ms = Number(value);
  if (
    typeof value !== 'string' ||
    !Number.isInteger(ms) ||
    ms < FOLLOW_INTERVAL.min ||
    ms > FOLLOW_INTERVAL.max
  ) {
    throw new UsageError(
      `--interval must be milliseconds between ${FOLLOW_INTERVAL.min} and ${FOLLOW_INTERVAL.max}`,
    );
  }
  return ms;
}

/**
 * Tails the hit log: polls `/events` and prints each new firing as one JSON line until the signal
 * (Ctrl-C) ends it. The hit log has no cursor, so new firings are those after the last one seen;
 * when that one has left the ring, everything returned is new.
 */
async function followEvents(
  endpoint: string,
  request: ControlRequest,
  intervalMs: number,
  io: CliIo,
): Promise<void> {
  const interrupt = interruptSignal(io);
  const signal = interrupt.signal;
  let lastSeen: string | undefined;
  try {
    while (!signal.aborted) {
      const answer = (await sendControl(endpoint, request, signal)) as { events: unknown[] };
      const lines = answer.events.map((firing) => JSON.stringify(firing));
      const start = lastSeen === undefined ? 0 : lines.lastIndexOf(lastSeen) + 1;
      for (const line of lines.slice(start)) io.stdout(`${line}\n`);
      if (lines.length > 0) lastSeen = lines[lines.length - 1];
      await delay(intervalMs, undefined, { signal });
    }
  } catch (error) {
    if (!signal.aborted) throw error;
  } finally {
    interrupt.dispose();
  }
}
