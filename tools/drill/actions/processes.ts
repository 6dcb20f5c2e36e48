/**
 * The processes a drill stops and starts (storage-node workers, etcd): pid files, liveness that a
 * recycled pid cannot fool, a bounded wait for exit, and the launch of a process exactly as it was
 * started before (its command line, environment and working directory, read from /proc).
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/** How a process was started, so the same process can be started again. */
export interface Launch {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
}

/** The pid in `<runDir>/<name>.pid`, or undefined when there is no usable pid file. */
export function pidFromFile(runDir: string, name: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(runDir, `${name}.pid`), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, owned by someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * When the process started (clock ticks since boot, /proc/PID/stat field 22): with the pid it names
 * one process for good, so a pid reused after a crash is not mistaken for the runner that crashed.
 */
export function startTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? ticks : undefined;
  } catch {
    return undefined;
  }
}

/** True while the process `pid` that started at `ticks` runs. */
export function isSameProcessAlive(pid: number, ticks: number | undefined): boolean {
  if (!isAlive(pid)) return false;
  const now = startTicks(pid);
  return ticks === undefined || now === undefined || now === ticks;
}

/** The command line of a live process, joined with spaces ('' when it cannot be read). */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** Reads how a live process was started (needs the right to read its /proc entries: root or owner). */
export async function readLaunch(pid: number): Promise<Launch> {
  const [cmdline, environ] = await Promise.all([
    readFile(`/proc/${pid}/cmdline`, 'utf8'),
    readFile(`/proc/${pid}/environ`, 'utf8'),
  ]);
  const argv = cmdline.split('\0').filter((part) => part !== '');
  const env: Record<string, string> = {};
  for (const entry of environ.split('\0')) {
    const equals = entry.indexOf('=');
    if (equals > 0) env[entry.slice(0, equals)] = entry.slice(equals + 1);
  }
  return { argv, env, cwd: await readlink(`/proc/${pid}/cwd`) };
}

/** Polls until `pid` is gone (a process of another session sends us no event); false on timeout. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await delay(50);
  }
  return true;
}

/**
 * Starts a process again as `launch` describes, in a session of its own (it outlives the runner,
 * as `scripts/stack.sh` starts it), output appended to `<runDir>/<name>.log`, pid in
 * `<runDir>/<name>.pid`. Resolves with the new pid.
 */
export function relaunch(launch: Launch, runDir: string, name: string): number {
  const [command, ...args] = launch.argv;
  if (command === undefined) throw new Error(`${name}: no command line to start it with`);
  const log = openSync(join(runDir, `${name}.log`), 'a');
  const child = spawn(command, args, {
    cwd: launch.cwd,
    env: launch.env,
    detached: true,
    stdio: ['ignore', log, log],
  });
  child.unref();
  closeSync(log);
  if (child.pid === undefined) throw new Error(`${name}: ${command} did not start`);
  writeFileSync(join(runDir, `${name}.pid`), `${child.pid}\n`);
  return child.pid;
}

/** Polls `check` until it is true or `timeoutMs` passes; resolves whether it became true. */
export async function pollUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  everyMs = 200,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await delay(everyMs);
  }
}

/** What a command printed and how it ended. */
export interface CommandResult {
  readonly code: number | null;
  readonly output: string;
}

/**
 * Runs a command to its end with a time limit (SIGKILL past it); never rejects: a command that
 * cannot start answers code null with the reason.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-16 * 1024);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, output: error.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
