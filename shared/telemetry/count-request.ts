import type { ServerResponse } from 'node:http';
import type { Metrics } from './metrics.js';

/** Label sets remembered per counter; past this, prom-client looks the children up each time. */
const MAX_LABEL_SETS = 1000;

interface Children {
  requests: { inc(): void };
  duration: { observe(seconds: number): void };
}

/** Counts the requests of one service on a process's own listener: see `createRequestCounter`. */
export type RequestCounter = (response: ServerResponse, operation: string, method: string) => void;

/**
 * Counts the requests a process serves on its own node:http listener (the socket-fault front, a
 * storage-node worker; the Lambda handlers count theirs in layers/telemetry.ts): each is in
 * `http_inflight_requests` until its response closes, then in `http_requests_total` and
 * `http_request_duration_seconds` with the status sent (`0` when the connection closed without
 * one). prom-client hashes a label object on every update, so the children of each label set are
 * looked up once.
 */
export function createRequestCounter(metrics: Metrics, service: string): RequestCounter {
  const inflight = metrics.httpInflight.labels({ service });
  const children = new Map<string, Children>();
  const childrenFor = (operation: string, method: string, status: string): Children => {
    const id = `${operation}\u0000${method}\u0000${status}`;
    let found = children.get(id);
    if (!found) {
      const labels = { service, operation, method, status };
      found = {
        requests: metrics.httpRequests.labels(labels),
        duration: metrics.httpRequestDuration.labels(labels),
      };
      if (children.size < MAX_LABEL_SETS) children.set(id, found);
    }
    return found;
  };
  return (response, operation, method) => {
    const started = process.hrtime.bigint();
    inflight.inc();
    response.once('close', () => {
      inflight.dec();
      const status = response.headersSent ? String(response.statusCode) : '0';
      const counted = childrenFor(operation, method, status);
      counted.requests.inc();
      counted.duration.observe(Number(process.hrtime.bigint() - started) / 1e9);
    });
  };
}
