/**
 * How long a scrape waits for a value it reads from a backend (queue stats, a node's health).
 * Prometheus gives a whole scrape no more than its interval (2 s in `npm run telemetry`): a
 * backend that hangs (Redis down, a partitioned worker) must cost its own series, not the scrape.
 */
export const SCRAPE_READ_TIMEOUT_MS = 1000;

/**
 * Resolves with what `read` gives within `timeoutMs`, or with undefined when it fails or is still
 * pending then (it is left to settle on its own).
 */
export function readWithin<T>(read: Promise<T>, timeoutMs: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
    timer.unref();
  });
  return Promise.race([read.catch(() => undefined), late]).finally(() => clearTimeout(timer));
}
