import { composeHandler, type LambdaHandler } from '../../layers/compose-handler.js';
import { lambdaEntry } from '../../layers/lambda-entry.js';
import type { Runtime } from '../../shared/runtime/runtime.js';
import { answerControlRequest } from './request.js';
import { matchControlRoute } from './router.js';

/**
 * The injection service: every `/api/v1/injection/...` operation of the fault-injection control
 * plane (FAULTS.md, Control). Its service name is `injection`, which the fault middleware never
 * injects into, so a user cannot lock themselves out with a rule.
 */
export function createHandler(runtime: Runtime): LambdaHandler {
  return composeHandler(
    (event, context) =>
      answerControlRequest(runtime, event, context, (request) => {
        const { route, params } = matchControlRoute(request.requestContext.http.method, request.rawPath);
        return { operationId: route.operationId, operation: route.operation, params };
      }),
    { runtime, service: 'injection', name: 'InjectionApi', errorFormat: 'json' },
  );
}

export const handler = lambdaEntry(createHandler);
