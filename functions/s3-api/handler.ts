import { composeHandler, type LambdaHandler } from '../../layers/compose-handler.js';
import { lambdaEntry } from '../../layers/lambda-entry.js';
import type { ApiHandler } from '../../layers/request-context.js';
import type { Runtime } from '../../shared/runtime/runtime.js';
import { resolveOperation } from './router.js';
import { parseS3Request } from './s3-request.js';

/** The S3 data plane: one function for every S3 route; the router picks the operation. */
export function createHandler(runtime: Runtime): LambdaHandler {
  const handle: ApiHandler = async (event, context) => {
    const request = parseS3Request(event, runtime.config.s3Domain);
    const operation = resolveOperation(request);
    context.operation = operation.name;
    return operation.run(runtime.services);
  };
  return composeHandler(handle, { runtime, service: 's3-api', name: 'S3', errorFormat: 's3' });
}

export const handler = lambdaEntry(createHandler);
