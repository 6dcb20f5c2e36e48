import type { FaultEngine } from '../faults/engine.js';
import type { OriginClient } from '../origin/ports.js';
import type { Clock } from '../runtime/clock.js';

export interface OriginFaultOptions {
  /** The local bucket whose origin this client is (the event's `bucket`). */
  bucket: string;
  clock: Clock;
}

/**
 * The `origin.fetch.before` / `origin.fetch.after` points around one bucket's origin client.
 * (Contract placeholder: passes every call through until the faults part fills it in.)
 */
export function withOriginFaults(
  client: OriginClient,
  engine: FaultEngine,
  options: OriginFaultOptions,
): OriginClient {
  void engine;
  void options;
  return client;
}
