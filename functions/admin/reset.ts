import { composeHandler, type LambdaHandler } from '../../layers/compose-handler.js';
import { lambdaEntry } from '../../layers/lambda-entry.js';
import type { Runtime } from '../../shared/runtime/runtime.js';

/** POST /api/v1/admin/reset: empties and deletes every bucket, for test suites between runs. */
export function createHandler(runtime: Runtime): LambdaHandler {
  return composeHandler(
    async () => {
      await runtime.reset();
      return {
        statusCode: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ reset: true }),
      };
    },
    { runtime, service: 'admin', name: 'Reset', errorFormat: 'json' },
  );
}

export const handler = lambdaEntry(createHandler);
