import { Counter, type Registry } from 'prom-client';

/** The metrics of the service-to-service HTTP client. */
export interface HttpClientMetrics {
  retryAttempts: Counter<'service' | 'target'>;
  circuitOpen: Counter<'service' | 'target'>;
}

/**
 * Registers the client's counters in a process registry. Create them once per registry and
 * share them between clients: prom-client refuses a second metric of the same name.
 */
export function createHttpClientMetrics(registry: Registry): HttpClientMetrics {
  const labelNames = ['service', 'target'] as const;
  return {
    retryAttempts: new Counter({
      name: 'retry_attempts_total',
      help: 'Retries of calls between services, by calling service and target host',
      labelNames,
      registers: [registry],
    }),
    circuitOpen: new Counter({
      name: 'circuit_breaker_open_total',
      help: 'Times a circuit breaker opened, by calling service and target host',
      labelNames,
      registers: [registry],
    }),
  };
}
