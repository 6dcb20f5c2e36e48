/** Where a command of `mock-s3` writes and what it reads from its process (tests pass their own). */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
  /** Ends `events --follow` and aborts `drill run`; by default Ctrl-C (SIGINT). */
  signal?: AbortSignal;
  /** stderr is a terminal: the drill's status line rewrites itself in place. */
  stderrIsTTY?: boolean;
}

/** The real process: stdout, stderr and its environment. */
export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    stderrIsTTY: process.stderr.isTTY === true,
  };
}

/**
 * An abort signal for a long command: `io.signal` when the caller gave one, else one that Ctrl-C
 * (SIGINT) fires. Until `dispose`, a second Ctrl-C does not kill the process: a drill is rolling
 * back its faults then, and a runner killed half-way would leave them applied.
 */
export function interruptSignal(io: CliIo): { signal: AbortSignal; dispose(): void } {
  if (io.signal !== undefined) return { signal: io.signal, dispose: () => undefined };
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) io.stderr('mock-s3: finishing (rolling back); one moment\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onSigint) };
}
