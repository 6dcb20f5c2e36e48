import { ConfigError } from '../config/env.js';

/**
 * Runs a program's `main`, and on a start-up failure prints one line to stderr and exits 1: a bad
 * setting as its message (it names the variable), anything else with its stack.
 */
export function runMain(program: string, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    const message =
      error instanceof ConfigError
        ? error.message
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error);
    process.stderr.write(`${program} failed to start: ${message}\n`);
    process.exit(1);
  });
}
