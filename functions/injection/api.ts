import { composeHandler, type LambdaHandler } from '../../layers/compose-handler.js';
import { lambdaEntry } from '../../layers/lambda-entry.js';
import type { Runtime } from '../../shared/runtime/runtime.js';
import { renderControlError, toControlError } from './control-error.js';
import { jsonResult, parseJsonBody } from './request.js';
import { matchControlRoute } from './router.js';

/**
 * The injection service: every `/api/v1/injection/...` operation of the fault-injection control
 * plane (FAULTS.md, Control). Its service name is `injection`, which the fault middleware never
 * injects into, so a user cannot lock themselves out with a rule.
 */
export function createHandler(runtime: Runtime): LambdaHandler {
  return composeHandler(
    async (event, context) => {
      try {
        const { route, params } = matchControlRoute(event.requestContext.http.method, event.rawPath);
        context.operation = route.operationId;
        const response = await route.operation({
          runtime,
          params,
          query: new URLSearchParams(event.rawQueryString ?? ''),
          body: parseJsonBody(event),
        });
        return jsonResult(response);
      } catch (error) {
        const refusal = toControlError(error);
        if (refusal === undefined) throw error;
        return renderControlError(refusal, context.requestId);
      }
    },
    { runtime, service: 'injection', name: 'InjectionApi', errorFormat: 'json' },
  );
}

export const handler = lambdaEntry(createHandler);
