import { ASYNC_ROUTES, createHandler } from '../../../../functions/async/api.js';
import type { LambdaHandler } from '../../../../layers/compose-handler.js';
import { describeContract } from '../../../support/contract-suite.js';
import { type ContractCase, callLambda, serverlessRoutes } from '../../../support/openapi.js';
import { createUnitRuntime, type UnitRuntime } from '../../../support/unit-runtime.js';

interface AsyncContext {
  unit: UnitRuntime;
  handler: LambdaHandler;
}

type Case = ContractCase<AsyncContext>;

/** A task in the queue whose blob does not exist: handled (or dead-lettered) soon after. */
async function withTask({ unit }: AsyncContext): Promise<void> {
  await unit.runtime.services.queue.publish({ type: 'delete_from_storage', blobIds: ['0123456789abcdef'] });
}

const CASES: Case[] = [
  { operationId: 'getQueueStats', status: 200, method: 'GET', path: '/api/v1/async/queue', setup: withTask },
  { operationId: 'drainQueue', status: 200, method: 'POST', path: '/api/v1/async/drain', setup: withTask },
  {
    operationId: 'drainQueue',
    status: 200,
    method: 'POST',
    path: '/api/v1/async/drain',
    query: 'waitMs=0',
    body: {},
  },
  { operationId: 'drainQueue', status: 400, method: 'POST', path: '/api/v1/async/drain', query: 'waitMs=-1' },
  {
    operationId: 'drainQueue',
    status: 400,
    method: 'POST',
    path: '/api/v1/async/drain',
    query: 'waitMs=30001',
  },
  {
    operationId: 'drainQueue',
    status: 400,
    method: 'POST',
    path: '/api/v1/async/drain',
    body: { all: true },
  },
];

// The async service's internal API against docs/openapi/async.yaml.
describeContract<AsyncContext>('async OpenAPI contract', {
  document: 'async',
  declared: () => serverlessRoutes(['asyncApi']),
  handled: ASYNC_ROUTES,
  open: async () => {
    const unit = await createUnitRuntime();
    return { unit, handler: createHandler(unit.runtime) };
  },
  close: ({ unit }) => unit.runtime.close(),
  reset: ({ unit }) => unit.runtime.reset(),
  call: ({ handler }, c) => callLambda(handler, c, 'asyncApi'),
  cases: CASES,
  broken: {
    schema: '#/components/schemas/Drain',
    value: { drained: 'yes', queue: { pending: -1, lagMs: 0, deadLetters: 0 } },
    problem: '$.queue.pending: below minimum',
  },
});
