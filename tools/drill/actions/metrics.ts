/** The control plane's `/metrics` text, for the report's metrics before/after ('' without one). */
const METRICS_TIMEOUT_MS = 5_000;

/** GET `<admin>/metrics`; resolves '' when there is no control plane or it does not answer. */
export async function fetchMetrics(admin: string | undefined): Promise<string> {
  if (admin === undefined) return '';
  try {
    const response = await fetch(new URL('/metrics', admin), {
      signal: AbortSignal.timeout(METRICS_TIMEOUT_MS),
    });
    const text = await response.text();
    return response.ok ? text : '';
  } catch {
    return '';
  }
}
