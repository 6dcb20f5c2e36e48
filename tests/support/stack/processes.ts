import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { StackEnv } from './stack-env.js';

/** What a command printed and how it ended. */
export interface CommandResult {
  code: number | null;
  output: string;
}

/**
 * Runs a command with the test's environment (the test stack's variables) and a time limit;
 * resolves with its exit code and combined output, never rejects on a non-zero exit.
 */
export function run(command: string, args: readonly string[], timeoutMs = 120_000): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: process.cwd(),
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-32 * 1024);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** Runs a command and throws with its output when it fails. */
export async function runOrThrow(
  command: string,
  args: readonly string[],
  timeoutMs?: number,
): Promise<string> {
  const result = await run(command, args, timeoutMs);
  if (result.code !== 0)
    throw new Error(`${command} ${args.join(' ')} exited ${result.code}:\n${result.output}`);
  return result.output;
}

/** The pid in RUN_DIR/<part>.pid (`node-1`, `offline-2`, `front`, `nginx`, `redis-6389`, ...). */
export async function pidOf(env: StackEnv, part: string): Promise<number> {
  const pid = Number((await readFile(join(env.runDir, `${part}.pid`), 'utf8')).trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no pid in ${env.runDir}/${part}.pid`);
  return pid;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls until `pid` is gone (a process in another session sends no event to us). */
export async function waitForExit(pid: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) throw new Error(`pid ${pid} still alive after ${timeoutMs} ms`);
    await delay(50);
  }
}

/** `kill -9` of one part of the stack, by its pid file; resolves once the process is gone. */
export async function killPart(env: StackEnv, part: string): Promise<number> {
  const pid = await pidOf(env, part);
  process.kill(pid, 'SIGKILL');
  await waitForExit(pid);
  return pid;
}

/** `scripts/stack.sh up`: starts every part that is not running (with the test stack's env). */
export async function stackUp(): Promise<void> {
  await runOrThrow('bash', ['scripts/stack.sh', 'up'], 240_000);
}
