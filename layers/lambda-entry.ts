import type { Context } from 'aws-lambda';
import type { Runtime } from '../shared/runtime/runtime.js';
import { sharedRuntime } from '../shared/runtime/shared-runtime.js';
import { bodyStreamOf, bufferBody } from './binary-body.js';
import type { ApiEvent, ApiResult } from './request-context.js';

type HandlerFactory = (runtime: Runtime) => (event: ApiEvent, context: Context) => Promise<ApiResult>;

/**
 * The `handler` export Lambda (and serverless-offline) calls: builds the process's runtime from the
 * environment on first use, as a Lambda container does at cold start, then reuses it. Lambda
 * cannot stream a result: a streamed body (a large GetObject) is read whole into the base64 body.
 */
export function lambdaEntry(factory: HandlerFactory) {
  let ready: Promise<(event: ApiEvent, context: Context) => Promise<ApiResult>> | undefined;
  return async (event: ApiEvent, context: Context): Promise<ApiResult> => {
    // A failed start (a backend down at cold start) is not cached: the next request tries again,
    // as Lambda would with a new container.
    ready ??= sharedRuntime()
      .then(factory)
      .catch((error: unknown) => {
        ready = undefined;
        throw error;
      });
    const result = await (await ready)(event, context);
    if (bodyStreamOf(result)) await bufferBody(result);
    return result;
  };
}
