import { composeHandler, type LambdaHandler } from '../../layers/compose-handler.js';
import { lambdaEntry } from '../../layers/lambda-entry.js';
import type { Runtime } from '../../shared/runtime/runtime.js';
import { loadContract } from './contract.js';

/** GET /api/v1/openapi.json: the contract of the control plane, as JSON. */
export function createHandler(runtime: Runtime): LambdaHandler {
  return composeHandler(
    async () => ({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(loadContract()),
    }),
    { runtime, service: 'injection', name: 'OpenApi', errorFormat: 'json' },
  );
}

export const handler = lambdaEntry(createHandler);
