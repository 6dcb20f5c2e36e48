import { composeHandler, type LambdaHandler } from '../../layers/compose-handler.js';
import { lambdaEntry } from '../../layers/lambda-entry.js';
import type { Runtime } from '../../shared/runtime/runtime.js';

/** GET /metrics: the Prometheus exposition of this process. */
export function createHandler(runtime: Runtime): LambdaHandler {
  const { registry } = runtime.metrics;
  return composeHandler(
    async () => ({
      statusCode: 200,
      headers: { 'content-type': registry.contentType },
      body: await registry.metrics(),
    }),
    { runtime, service: 'admin', name: 'Metrics', errorFormat: 'json' },
  );
}

export const handler = lambdaEntry(createHandler);
