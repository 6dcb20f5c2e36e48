import { createHandler as createDashboardHandler } from '../../../../functions/admin/dashboard.js';
import { createHandler as createHealthHandler } from '../../../../functions/admin/health.js';
import { createHandler as createMetricsHandler } from '../../../../functions/admin/metrics.js';
import { createHandler as createResetHandler } from '../../../../functions/admin/reset.js';
import { createHandler as createStatsHandler } from '../../../../functions/admin/stats.js';
import { createHandler as createS3Handler } from '../../../../functions/s3-api/handler.js';
import type { LambdaHandler } from '../../../../layers/compose-handler.js';
import { openMetadataStore } from '../../../../shared/metadata/open-metadata-store.js';
import { originKey } from '../../../../shared/origin/origin-config.js';
import { describeContract } from '../../../support/contract-suite.js';
import { type SwitchableStore, switchableStore } from '../../../support/metadata-outage.js';
import { type ContractCase, callLambda, serverlessRoutes } from '../../../support/openapi.js';
import { apiEvent, createUnitRuntime, type UnitRuntime, unitContext } from '../../../support/unit-runtime.js';

interface AdminContext {
  unit: UnitRuntime;
  database: SwitchableStore;
  /** What /health reports; a test turns it off to see the 503. */
  ready: boolean;
  handlers: Record<string, LambdaHandler>;
  s3: LambdaHandler;
}

type Case = ContractCase<AdminContext>;

/** Two buckets, three objects, one fault rule, an origin. */
async function withData(context: AdminContext): Promise<void> {
  const { s3, unit } = context;
  for (const path of ['/photos', '/logs', '/photos/a', '/photos/b', '/logs/c']) {
    await s3(
      apiEvent({ method: 'PUT', path, ...(path.indexOf('/', 1) > 0 ? { body: 'x' } : {}) }),
      unitContext(),
    );
  }
  unit.runtime.faults.addRule({ fault: { type: 'latency', ms: 5 } });
  await unit.runtime.dynamicConfig!.source.set(originKey('logs'), { endpoint: 'http://127.0.0.1:9' });
}

/** The metadata database is unreachable (the views read it through no fault point). */
async function withDatabaseDown({ database }: AdminContext): Promise<void> {
  database.setDown(true);
}

const CASES: Case[] = [
  { operationId: 'getHealth', status: 200, method: 'GET', path: '/health' },
  {
    operationId: 'getHealth',
    status: 503,
    method: 'GET',
    path: '/health',
    setup: async (context) => {
      context.ready = false;
    },
  },
  { operationId: 'getMetrics', status: 200, method: 'GET', path: '/metrics', setup: withData },
  { operationId: 'reset', status: 200, method: 'POST', path: '/api/v1/admin/reset', setup: withData },
  { operationId: 'getStats', status: 200, method: 'GET', path: '/api/v1/admin/stats', setup: withData },
  { operationId: 'getDashboard', status: 200, method: 'GET', path: '/api/v1/admin/dashboard' },
  { operationId: 'getDashboardAsset', status: 200, method: 'GET', path: '/api/v1/admin/dashboard/app.js' },
  { operationId: 'getDashboardAsset', status: 404, method: 'GET', path: '/api/v1/admin/dashboard/app.css' },
  {
    operationId: 'getSeries',
    status: 200,
    method: 'GET',
    path: '/api/v1/admin/series',
    // Two samples around the S3 requests: one window with operations in it.
    setup: async (context) => {
      await context.handlers['/api/v1/admin/series']!(
        apiEvent({ method: 'GET', path: '/api/v1/admin/series' }),
        unitContext(),
      );
      await withData(context);
    },
  },
  { operationId: 'getSeries', status: 400, method: 'GET', path: '/api/v1/admin/series', query: 'since=soon' },
  {
    operationId: 'getStats',
    status: 503,
    method: 'GET',
    path: '/api/v1/admin/stats',
    setup: withDatabaseDown,
  },
];

// The admin service against docs/openapi/admin.yaml.
describeContract<AdminContext>('admin OpenAPI contract', {
  document: 'admin',
  declared: () =>
    serverlessRoutes(['adminHealth', 'adminMetrics', 'adminReset', 'adminStats', 'adminDashboard']),
  open: async () => {
    const database = switchableStore(await openMetadataStore({ backend: 'pglite' }));
    const unit = await createUnitRuntime(database.store);
    const context: AdminContext = {
      unit,
      database,
      ready: true,
      handlers: {},
      s3: createS3Handler(unit.runtime),
    };
    context.handlers = {
      '/health': createHealthHandler({ ...unit.runtime, isReady: () => context.ready }),
      '/metrics': createMetricsHandler(unit.runtime),
      '/api/v1/admin/reset': createResetHandler(unit.runtime),
      '/api/v1/admin/stats': createStatsHandler(unit.runtime),
    };
    const dashboard = createDashboardHandler(unit.runtime);
    for (const path of [
      '/api/v1/admin/dashboard',
      '/api/v1/admin/dashboard/app.js',
      '/api/v1/admin/dashboard/app.css',
      '/api/v1/admin/series',
    ]) {
      context.handlers[path] = dashboard;
    }
    return context;
  },
  close: ({ unit }) => unit.runtime.close(),
  reset: async (context) => {
    context.database.setDown(false);
    const { faults } = context.unit.runtime;
    for (const rule of faults.listRules()) faults.removeRule(rule.id);
    faults.setConfigSwitch(undefined);
    context.ready = true;
    await context.unit.runtime.reset();
  },
  call: (context, c) => callLambda(context.handlers[c.path]!, c, 'admin'),
  cases: CASES,
  broken: {
    schema: '#/components/schemas/Stats',
    value: { buckets: 2, objects: 3, objectsExact: true, queue: {}, nodes: [{ id: 'node-1' }], faults: {} },
    problem: '$.nodes[0]: missing required healthy',
  },
});
