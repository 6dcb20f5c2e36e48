import { createHandler, METADATA_ROUTES } from '../../../../functions/metadata/api.js';
import { createHandler as createS3Handler } from '../../../../functions/s3-api/handler.js';
import type { LambdaHandler } from '../../../../layers/compose-handler.js';
import { openMetadataStore } from '../../../../shared/metadata/open-metadata-store.js';
import { describeContract } from '../../../support/contract-suite.js';
import { type SwitchableStore, switchableStore } from '../../../support/metadata-outage.js';
import { type ContractCase, callLambda, serverlessRoutes } from '../../../support/openapi.js';
import { apiEvent, createUnitRuntime, type UnitRuntime, unitContext } from '../../../support/unit-runtime.js';

interface MetadataContext {
  unit: UnitRuntime;
  database: SwitchableStore;
  handler: LambdaHandler;
  s3: LambdaHandler;
}

type Case = ContractCase<MetadataContext>;

const BASE = '/api/v1/metadata/buckets';

/** A bucket `photos` with two objects, one with user metadata and a checksum. */
async function withObjects({ s3 }: MetadataContext): Promise<void> {
  await s3(apiEvent({ method: 'PUT', path: '/photos' }), unitContext());
  await s3(
    apiEvent({
      method: 'PUT',
      path: '/photos/2024/a%20b.txt',
      body: 'hello',
      headers: {
        'content-type': 'text/plain',
        'x-amz-meta-owner': 'drill',
        'x-amz-checksum-crc32': 'NhCmhg==',
      },
    }),
    unitContext(),
  );
  await s3(apiEvent({ method: 'PUT', path: '/photos/2025/c', body: 'world' }), unitContext());
}

/** The metadata database is unreachable (the views read it through no fault point). */
async function withDatabaseDown({ database }: MetadataContext): Promise<void> {
  database.setDown(true);
}

const CASES: Case[] = [
  { operationId: 'listBuckets', status: 200, method: 'GET', path: BASE, setup: withObjects },
  { operationId: 'listBuckets', status: 503, method: 'GET', path: BASE, setup: withDatabaseDown },
  { operationId: 'getBucket', status: 200, method: 'GET', path: `${BASE}/photos`, setup: withObjects },
  { operationId: 'getBucket', status: 400, method: 'GET', path: `${BASE}/No_Such` },
  { operationId: 'getBucket', status: 404, method: 'GET', path: `${BASE}/photos` },
  { operationId: 'getBucket', status: 503, method: 'GET', path: `${BASE}/photos`, setup: withDatabaseDown },
  {
    operationId: 'listObjects',
    status: 200,
    method: 'GET',
    path: `${BASE}/photos/objects`,
    setup: withObjects,
  },
  {
    operationId: 'listObjects',
    status: 200,
    method: 'GET',
    path: `${BASE}/photos/objects`,
    query: 'prefix=20&limit=1',
    setup: withObjects,
  },
  {
    operationId: 'listObjects',
    status: 400,
    method: 'GET',
    path: `${BASE}/photos/objects`,
    query: 'limit=0',
    setup: withObjects,
  },
  { operationId: 'listObjects', status: 404, method: 'GET', path: `${BASE}/photos/objects` },
  {
    operationId: 'listObjects',
    status: 503,
    method: 'GET',
    path: `${BASE}/photos/objects`,
    setup: withDatabaseDown,
  },
  {
    operationId: 'getObject',
    status: 200,
    method: 'GET',
    path: `${BASE}/photos/objects/2024/a%20b.txt`,
    setup: withObjects,
  },
  {
    operationId: 'getObject',
    status: 400,
    method: 'GET',
    path: `${BASE}/photos/objects/%zz`,
    setup: withObjects,
  },
  {
    operationId: 'getObject',
    status: 404,
    method: 'GET',
    path: `${BASE}/photos/objects/nope`,
    setup: withObjects,
  },
  { operationId: 'getObject', status: 404, method: 'GET', path: `${BASE}/photos/objects/k` },
  {
    operationId: 'getObject',
    status: 503,
    method: 'GET',
    path: `${BASE}/photos/objects/k`,
    setup: withDatabaseDown,
  },
];

// The metadata service's internal API against docs/openapi/metadata.yaml.
describeContract<MetadataContext>('metadata OpenAPI contract', {
  document: 'metadata',
  declared: () => serverlessRoutes(['metadataApi']),
  handled: METADATA_ROUTES,
  open: async () => {
    const database = switchableStore(await openMetadataStore({ backend: 'pglite' }));
    const unit = await createUnitRuntime(database.store);
    return { unit, database, handler: createHandler(unit.runtime), s3: createS3Handler(unit.runtime) };
  },
  close: ({ unit }) => unit.runtime.close(),
  reset: async ({ unit, database }) => {
    database.setDown(false);
    const { faults } = unit.runtime;
    for (const rule of faults.listRules()) faults.removeRule(rule.id);
    faults.setConfigSwitch(undefined);
    await unit.runtime.reset();
  },
  call: ({ handler }, c) => callLambda(handler, c, 'metadataApi'),
  cases: CASES,
  broken: {
    schema: '#/components/schemas/ObjectRecord',
    value: {
      bucket: 'b',
      key: 'k',
      size: '5',
      etag: 'abc',
      lastModified: 'now',
      headers: {},
      userMetadata: {},
    },
    problem: 'missing required segments',
  },
});
