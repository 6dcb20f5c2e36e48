import { createHandler } from '../../../../functions/storage/origins-handler.js';
import type { LambdaHandler } from '../../../../layers/compose-handler.js';
import { createOriginRegistry } from '../../../../shared/origin/origin-registry.js';
import type { OriginDirectory } from '../../../../shared/origin/ports.js';
import { describeContract } from '../../../support/contract-suite.js';
import { type ContractCase, callLambda, serverlessRoutes } from '../../../support/openapi.js';
import { createUnitRuntime, type UnitRuntime } from '../../../support/unit-runtime.js';

interface OriginsContext {
  unit: UnitRuntime;
  origins: OriginDirectory;
  handler: LambdaHandler;
}

type Case = ContractCase<OriginsContext>;

const BASE = '/api/v1/origins';
const ORIGIN = {
  endpoint: 'http://127.0.0.1:4568',
  bucket: 'remote-name',
  kind: 's3',
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: 'AKIAORIGIN', secretAccessKey: 'origin-secret' },
  writeBack: true,
  negativeTtl: '30s',
  rps: 50,
  timeoutMs: 5000,
  breaker: { failures: 5, openMs: 10_000 },
};

async function withArchive({ handler }: OriginsContext): Promise<void> {
  await callLambda(handler, { method: 'PUT', path: `${BASE}/archive`, body: ORIGIN }, 'originsApi');
}

const CASES: Case[] = [
  { operationId: 'listOrigins', status: 200, method: 'GET', path: BASE, setup: withArchive },
  { operationId: 'getOrigin', status: 200, method: 'GET', path: `${BASE}/archive`, setup: withArchive },
  { operationId: 'getOrigin', status: 200, method: 'GET', path: `${BASE}/legacy` },
  { operationId: 'getOrigin', status: 400, method: 'GET', path: `${BASE}/No_Such` },
  { operationId: 'getOrigin', status: 404, method: 'GET', path: `${BASE}/elsewhere` },
  { operationId: 'putOrigin', status: 201, method: 'PUT', path: `${BASE}/archive`, body: ORIGIN },
  {
    operationId: 'putOrigin',
    status: 201,
    method: 'PUT',
    path: `${BASE}/archive`,
    body: { endpoint: 'http://127.0.0.1:8080/files', kind: 'http' },
  },
  {
    operationId: 'putOrigin',
    status: 200,
    method: 'PUT',
    path: `${BASE}/archive`,
    body: { endpoint: 'http://127.0.0.1:4569', negativeTtl: 0 },
    setup: withArchive,
  },
  {
    operationId: 'putOrigin',
    status: 400,
    method: 'PUT',
    path: `${BASE}/archive`,
    body: { endpoint: 'http://127.0.0.1:4568', breaker: { failures: 0 } },
  },
  {
    operationId: 'putOrigin',
    status: 400,
    method: 'PUT',
    path: `${BASE}/archive`,
    body: { endpoint: 'http://127.0.0.1:4568', colour: 'blue' },
  },
  { operationId: 'putOrigin', status: 400, method: 'PUT', path: `${BASE}/archive`, body: Buffer.from('{') },
  {
    operationId: 'deleteOrigin',
    status: 200,
    method: 'DELETE',
    path: `${BASE}/archive`,
    setup: withArchive,
  },
  { operationId: 'deleteOrigin', status: 400, method: 'DELETE', path: `${BASE}/a..b` },
  { operationId: 'deleteOrigin', status: 404, method: 'DELETE', path: `${BASE}/archive` },
  { operationId: 'deleteOrigin', status: 409, method: 'DELETE', path: `${BASE}/legacy` },
];

// The origins API against docs/openapi/origins.yaml, with an environment origin for `legacy`.
describeContract<OriginsContext>('origins OpenAPI contract', {
  document: 'origins',
  declared: () => serverlessRoutes(['originsApi']),
  open: async () => {
    const unit = await createUnitRuntime();
    const environment = {
      endpoint: 'http://127.0.0.1:4570',
      buckets: ['legacy'],
      kind: 'http' as const,
      credentials: undefined,
    };
    const source = unit.runtime.dynamicConfig!.source;
    const origins = await createOriginRegistry({ source, environment });
    const runtime = { ...unit.runtime, config: { ...unit.runtime.config, origin: environment }, origins };
    return { unit, origins, handler: createHandler(runtime) };
  },
  close: async ({ unit, origins }) => {
    await origins.close();
    await unit.runtime.close();
  },
  reset: async ({ unit }) => {
    const { source } = unit.runtime.dynamicConfig!;
    for (const key of Object.keys(await source.all())) await source.delete(key);
    await unit.runtime.reset();
  },
  call: ({ handler }, c) => callLambda(handler, c, 'originsApi'),
  cases: CASES,
  broken: {
    schema: '#/components/schemas/Origin',
    value: { ...ORIGIN, localBucket: 'archive', credentialsSet: true, source: 'stored' },
    problem: 'unexpected property credentials',
  },
});
