import { bodyStreamOf, bufferBody } from '../../layers/binary-body.js';
import { composeHandler, type LambdaHandler } from '../../layers/compose-handler.js';
import { lambdaEntry } from '../../layers/lambda-entry.js';
import type { ApiHandler, ApiResult, RequestContext } from '../../layers/request-context.js';
import type { DescribedRequest } from '../../layers/request-facts.js';
import { actualRequestCorsHeaders } from '../../shared/operations/cors.js';
import type { Runtime, S3Services } from '../../shared/runtime/runtime.js';
import { assertPresignedUnexpired } from '../../shared/s3/presigned.js';
import { resolveOperation, type S3Operation } from './router.js';
import { parseS3Request, type S3Request, STREAMED_BODY_OPERATIONS } from './s3-request.js';

/** What the describer hands the handler: the parsed request and the operation it resolved to. */
interface DescribedS3Request {
  request: S3Request;
  operation: S3Operation;
}

/** The S3 data plane: one function for every S3 route; the router picks the operation. */
export function createHandler(runtime: Runtime): LambdaHandler {
  const { services } = runtime;
  // Parsed once, before the fault middleware, so rules can match the S3 operation, bucket and key.
  const describe = (event: Parameters<ApiHandler>[0]): DescribedRequest => {
    const request = parseS3Request(event, runtime.config.s3Domain);
    const operation = resolveOperation(request);
    return {
      operation: operation.name,
      ...(request.bucket === undefined ? {} : { bucket: request.bucket }),
      ...(request.key === undefined ? {} : { key: request.key }),
      state: { request, operation } satisfies DescribedS3Request,
    };
  };
  const handle: ApiHandler = async (event, context) => {
    const { request, operation } = context.state as DescribedS3Request;
    // Every operation, presigned or not, behind the fault layer (rules still see the operation).
    assertPresignedUnexpired(request.query, services.clock.now());
    // A large body the host streamed, to an operation that parses it whole (a form, an XML list).
    if (bodyStreamOf(event) && !STREAMED_BODY_OPERATIONS.has(operation.name)) await bufferBody(event);
    return operation.run(services);
  };
  const serve = composeHandler(handle, {
    runtime,
    service: 's3-api',
    name: 'S3',
    errorFormat: 's3',
    describe,
    faultService: 's3-api',
  });
  return async (event, context) => {
    const result = await serve(event, context);
    const described = (context as RequestContext).state as DescribedS3Request | undefined;
    // Checked here, synchronously: a request without Origin (every SDK call) costs no extra turn.
    if (described?.request.headers.origin !== undefined)
      await addCorsHeaders(services, described.request, result);
    return result;
  };
}

/**
 * A cross-origin request (one with `Origin`) to a bucket whose CORS rules admit it gets the CORS
 * headers on whatever it is answered with: success, an S3 error or an injected fault, so a browser
 * can read a 404 or a 503 too. Added after the whole chain for that reason. A request without
 * Origin costs nothing; one with it, one cached bucket read. The preflight answers for itself.
 */
async function addCorsHeaders(services: S3Services, request: S3Request, result: ApiResult): Promise<void> {
  const { bucket, method, headers } = request;
  if (bucket === undefined || method === 'OPTIONS') return;
  let cors: Record<string, string>;
  try {
    cors = await actualRequestCorsHeaders(services, { bucket, method, headers });
  } catch (error) {
    // The rules could not be read (metadata down, an injected fault): the answer goes out as it is.
    services.logger.warn('could not read CORS rules; answering without CORS headers', { bucket, error });
    return;
  }
  // In place: the result carries the host's request facts and socket action on symbols.
  if (Object.keys(cors).length > 0) result.headers = { ...result.headers, ...cors };
}

export const handler = lambdaEntry(createHandler);
