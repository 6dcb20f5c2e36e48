import { composeHandler, type LambdaHandler } from '../../layers/compose-handler.js';
import { lambdaEntry } from '../../layers/lambda-entry.js';
import type { Runtime } from '../../shared/runtime/runtime.js';

/** GET /health: 200 only when every backend is ready. */
export function createHandler(runtime: Runtime): LambdaHandler {
  return composeHandler(
    async () => {
      const ready = runtime.isReady();
      return {
        statusCode: ready ? 200 : 503,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ status: ready ? 'ok' : 'starting' }),
      };
    },
    { runtime, service: 'admin', name: 'Health', errorFormat: 'json' },
  );
}

export const handler = lambdaEntry(createHandler);
