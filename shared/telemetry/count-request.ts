import type { ServerResponse } from 'node:http';
import type { Metrics } from './metrics.js';

/**
 * Counts a request a process serves on its own node:http listener (the socket-fault front, a
 * storage-node worker; the Lambda handlers count theirs in layers/telemetry.ts): in
 * `http_inflight_requests` until `response` closes, then in `http_requests_total` and
 * `http_request_duration_seconds` with the status sent (`0` when the connection closed without one).
 */
export function countRequest(
  metrics: Metrics,
  response: ServerResponse,
  labels: { service: string; operation: string; method: string },
): void {
  const started = process.hrtime.bigint();
  const inflight = metrics.httpInflight.labels({ service: labels.service });
  inflight.inc();
  response.once('close', () => {
    inflight.dec();
    const done = { ...labels, status: response.headersSent ? String(response.statusCode) : '0' };
    metrics.httpRequests.inc(done);
    metrics.httpRequestDuration.observe(done, Number(process.hrtime.bigint() - started) / 1e9);
  });
}
