import { createHandler } from '../../../../functions/config/handler.js';
import type { LambdaHandler } from '../../../../layers/compose-handler.js';
import { describeContract } from '../../../support/contract-suite.js';
import { type ContractCase, callLambda, serverlessRoutes } from '../../../support/openapi.js';
import { createUnitRuntime, type UnitRuntime } from '../../../support/unit-runtime.js';

interface ConfigContext {
  unit: UnitRuntime;
  handler: LambdaHandler;
}

type Case = ContractCase<ConfigContext>;

const BASE = '/api/v1/config';

async function withStoredRetries({ unit }: ConfigContext): Promise<void> {
  await unit.runtime.dynamicConfig!.source.set('http.retries', 4);
}

const CASES: Case[] = [
  { operationId: 'listConfig', status: 200, method: 'GET', path: BASE, setup: withStoredRetries },
  { operationId: 'getConfig', status: 200, method: 'GET', path: `${BASE}/faults.enabled` },
  { operationId: 'getConfig', status: 404, method: 'GET', path: `${BASE}/colour` },
  { operationId: 'putConfig', status: 200, method: 'PUT', path: `${BASE}/http.retries`, body: { value: 3 } },
  {
    operationId: 'putConfig',
    status: 200,
    method: 'PUT',
    path: `${BASE}/faults.enabled`,
    body: { value: 'on' },
  },
  { operationId: 'putConfig', status: 400, method: 'PUT', path: `${BASE}/http.retries`, body: { value: 99 } },
  { operationId: 'putConfig', status: 400, method: 'PUT', path: `${BASE}/colour`, body: { value: 1 } },
  {
    operationId: 'putConfig',
    status: 400,
    method: 'PUT',
    path: `${BASE}/http.retries`,
    body: { value: 1, why: 'x' },
  },
  {
    operationId: 'putConfig',
    status: 400,
    method: 'PUT',
    path: `${BASE}/http.retries`,
    body: Buffer.from('{'),
  },
  {
    operationId: 'deleteConfig',
    status: 200,
    method: 'DELETE',
    path: `${BASE}/http.retries`,
    setup: withStoredRetries,
  },
  { operationId: 'deleteConfig', status: 404, method: 'DELETE', path: `${BASE}/colour` },
];

// The config service against docs/openapi/config.yaml.
describeContract<ConfigContext>('config OpenAPI contract', {
  document: 'config',
  declared: () => serverlessRoutes(['configApi']),
  open: async () => {
    const unit = await createUnitRuntime();
    return { unit, handler: createHandler(unit.runtime) };
  },
  close: ({ unit }) => unit.runtime.close(),
  reset: async ({ unit }) => {
    const { source } = unit.runtime.dynamicConfig!;
    for (const key of Object.keys(await source.all())) await source.delete(key);
  },
  call: ({ handler }, c) => callLambda(handler, c, 'configApi'),
  cases: CASES,
  broken: {
    schema: '#/components/schemas/Setting',
    value: { key: 'http.retries', value: '3', source: 'env', default: 2 },
    problem: '$.source',
  },
});
