import { composeHandler, type LambdaHandler } from '../../layers/compose-handler.js';
import { lambdaEntry } from '../../layers/lambda-entry.js';
import type { ApiHandler } from '../../layers/request-context.js';
import type { DescribedRequest } from '../../layers/request-facts.js';
import type { Runtime } from '../../shared/runtime/runtime.js';
import { resolveOperation, type S3Operation } from './router.js';
import { parseS3Request } from './s3-request.js';

/** The S3 data plane: one function for every S3 route; the router picks the operation. */
export function createHandler(runtime: Runtime): LambdaHandler {
  // Parsed once, before the fault middleware, so rules can match the S3 operation, bucket and key.
  const describe = (event: Parameters<ApiHandler>[0]): DescribedRequest => {
    const request = parseS3Request(event, runtime.config.s3Domain);
    const operation = resolveOperation(request);
    return {
      operation: operation.name,
      ...(request.bucket === undefined ? {} : { bucket: request.bucket }),
      ...(request.key === undefined ? {} : { key: request.key }),
      state: operation,
    };
  };
  const handle: ApiHandler = (_event, context) => (context.state as S3Operation).run(runtime.services);
  return composeHandler(handle, {
    runtime,
    service: 's3-api',
    name: 'S3',
    errorFormat: 's3',
    describe,
    faultService: 's3-api',
  });
}

export const handler = lambdaEntry(createHandler);
