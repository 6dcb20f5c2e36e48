/**
 * Waits for `event` or for `signal` to abort (the queue's close()), whichever comes first. The
 * abort listener is removed after each wait: a consumer loop waits like this every round, and while
 * its backend is down rounds are many, for as long as the process lives.
 */
export async function untilStopped(signal: AbortSignal, event: Promise<unknown>): Promise<void> {
  if (signal.aborted) return;
  let onAbort!: () => void;
  const aborted = new Promise<void>((resolve) => {
    onAbort = resolve;
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([event, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** Sleeps `ms`, or less when `signal` aborts first. */
export async function pauseUnlessStopped(signal: AbortSignal, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await untilStopped(signal, new Promise((resolve) => (timer = setTimeout(resolve, ms))));
  clearTimeout(timer);
}
