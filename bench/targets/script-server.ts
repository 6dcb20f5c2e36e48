import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { REPO_ROOT } from './child-server.js';

/**
 * Runs `bash <script> [args]` from the repository root (how the Python peers are installed, started
 * and stopped) and resolves with its output; a non-zero exit or the time bound rejects with the tail
 * of that output.
 */
export function runScript(
  script: string,
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else {
        // The script's last line says why (its `error: ...`): first, so a one-line report shows it.
        const lines = output.trim().split('\n');
        const why = lines[lines.length - 1] ?? '';
        const command = [script, ...args].join(' ');
        reject(new Error(`${command} ended with ${code ?? signal}: ${why}\n${output.trim()}`));
      }
    });
  });
}

/** The pid a start script wrote, or undefined when the file is missing or not a number. */
export async function readPidFile(path: string): Promise<number | undefined> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}
