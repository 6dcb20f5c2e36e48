import { createHandler as createS3Handler } from '../../../../functions/s3-api/handler.js';
import { createHandler, STORAGE_ROUTES } from '../../../../functions/storage/api.js';
import type { LambdaHandler } from '../../../../layers/compose-handler.js';
import { describeContract } from '../../../support/contract-suite.js';
import { type ContractCase, callLambda, serverlessRoutes } from '../../../support/openapi.js';
import { apiEvent, createUnitRuntime, type UnitRuntime, unitContext } from '../../../support/unit-runtime.js';

interface StorageContext {
  unit: UnitRuntime;
  handler: LambdaHandler;
  s3: LambdaHandler;
}

type Case = ContractCase<StorageContext>;

const OBJECT = '/api/v1/storage/replicas/photos/2024/a%20b.txt';

/** A bucket `photos` with the object `2024/a b.txt`, written through the S3 API. */
async function withObject({ s3 }: StorageContext): Promise<void> {
  await s3(apiEvent({ method: 'PUT', path: '/photos' }), unitContext());
  await s3(
    apiEvent({ method: 'PUT', path: '/photos/2024/a%20b.txt', body: 'hello replicas' }),
    unitContext(),
  );
}

const CASES: Case[] = [
  { operationId: 'listNodes', status: 200, method: 'GET', path: '/api/v1/storage/nodes' },
  { operationId: 'getObjectReplicas', status: 200, method: 'GET', path: OBJECT, setup: withObject },
  {
    operationId: 'getObjectReplicas',
    status: 200,
    method: 'GET',
    path: OBJECT,
    query: 'verify=false',
    setup: withObject,
  },
  {
    operationId: 'getObjectReplicas',
    status: 400,
    method: 'GET',
    path: OBJECT,
    query: 'verify=maybe',
    setup: withObject,
  },
  {
    operationId: 'getObjectReplicas',
    status: 400,
    method: 'GET',
    path: '/api/v1/storage/replicas/No_Such/k',
  },
  { operationId: 'getObjectReplicas', status: 404, method: 'GET', path: OBJECT },
  {
    operationId: 'getObjectReplicas',
    status: 404,
    method: 'GET',
    path: '/api/v1/storage/replicas/photos/missing',
    setup: withObject,
  },
  {
    operationId: 'repairNow',
    status: 200,
    method: 'POST',
    path: '/api/v1/storage/repair',
    setup: withObject,
  },
  { operationId: 'repairNow', status: 200, method: 'POST', path: '/api/v1/storage/repair', body: {} },
  {
    operationId: 'repairNow',
    status: 400,
    method: 'POST',
    path: '/api/v1/storage/repair',
    body: { blobId: 'x' },
  },
];

// The storage service's internal API against docs/openapi/storage.yaml.
describeContract<StorageContext>('storage OpenAPI contract', {
  document: 'storage',
  declared: () => serverlessRoutes(['storageApi']),
  handled: STORAGE_ROUTES,
  open: async () => {
    const unit = await createUnitRuntime();
    return { unit, handler: createHandler(unit.runtime), s3: createS3Handler(unit.runtime) };
  },
  close: ({ unit }) => unit.runtime.close(),
  reset: ({ unit }) => unit.runtime.reset(),
  call: ({ handler }, c) => callLambda(handler, c, 'storageApi'),
  cases: CASES,
  broken: {
    schema: '#/components/schemas/Replica',
    value: { node: 'node-1', state: 'fine', size: '5' },
    problem: '$.state',
  },
});
