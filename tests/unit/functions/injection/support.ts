import { createHandler } from '../../../../functions/injection/api.js';
import { bodyBytes } from '../../../../layers/binary-body.js';
import type { LambdaHandler } from '../../../../layers/compose-handler.js';
import { apiEvent, createUnitRuntime, type UnitRuntime, unitContext } from '../../../support/unit-runtime.js';

export interface ControlAnswer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are inspected field by field
  body: any;
  headers: Record<string, string | number | boolean>;
}

export interface ControlClient {
  unit: UnitRuntime;
  handler: LambdaHandler;
  call(method: string, path: string, body?: unknown, query?: string): Promise<ControlAnswer>;
}

/** The injection function over a unit runtime, called like the gateway calls it. */
export async function createControlClient(): Promise<ControlClient> {
  const unit = await createUnitRuntime();
  const handler = createHandler(unit.runtime);
  return {
    unit,
    handler,
    async call(method, path, body, query) {
      const result = await handler(
        apiEvent({
          method,
          path: `/api/v1/injection${path}`,
          ...(query === undefined ? {} : { query }),
          ...(body === undefined
            ? {}
            : {
                body: typeof body === 'string' ? body : JSON.stringify(body),
                headers: { 'content-type': 'application/json' },
              }),
        }),
        unitContext('injectionApi'),
      );
      const text = bodyBytes(result).toString('utf8');
      return {
        status: result.statusCode ?? 0,
        body: text === '' ? undefined : JSON.parse(text),
        headers: result.headers ?? {},
      };
    },
  };
}
