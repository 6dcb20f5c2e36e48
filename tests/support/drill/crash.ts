import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { StepOutcome } from '../../../tools/drill/types.js';

const APPLY_TIMEOUT_MS = 60_000;

/**
 * Runs tests/support/drill/crashing-runner.ts with `input`, waits until it has applied every step,
 * then kills it with SIGKILL (no rollback can run) and resolves once it is gone, with the outcomes.
 */
export async function applyThenCrash(input: unknown): Promise<{ pid: number; outcomes: StepOutcome[] }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'tests/support/drill/crashing-runner.ts', JSON.stringify(input)],
    { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const applied = new Promise<StepOutcome[]>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`runner did not apply in time: ${output}`)),
      APPLY_TIMEOUT_MS,
    );
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const line = /^applied (.*)$/m.exec(output);
      if (line !== null) {
        clearTimeout(timer);
        resolve(JSON.parse(line[1]!) as StepOutcome[]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`runner exited ${code} before applying: ${output}`));
    });
  });
  const outcomes = await applied;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
  return { pid: child.pid!, outcomes };
}
