import { hostname } from 'node:os';
import { DASHBOARD_PATH, DASHBOARD_SCRIPT_PATH, SERIES_PATH } from '../../dashboard/settings.js';
import { composeHandler, type LambdaHandler } from '../../layers/compose-handler.js';
import { lambdaEntry } from '../../layers/lambda-entry.js';
import type { ApiEvent, ApiResult } from '../../layers/request-context.js';
import type { Runtime } from '../../shared/runtime/runtime.js';
import { createMetricSeries } from '../../shared/telemetry/metric-series.js';
import { answerControlRequest } from '../injection/request.js';
import { dashboardScript } from './dashboard-bundle.js';
import { DASHBOARD_CSP, dashboardHtml } from './dashboard-page.js';
import { integerParam } from './internal-api.js';

/** Between two polls of the page. */
const POLL_MS = 1000;

/**
 * The dashboard on the control plane: the page (`GET /` on ADMIN_PORT and `GET
 * /api/v1/admin/dashboard`), its script, and `GET /api/v1/admin/series?since=<ms>`, the recent
 * windows of this process's request metrics for the charts. The sampler starts with the handler
 * (embedded mode: at start; a serverless-offline instance: at its first dashboard request), so a
 * page opened mid-drill has the minutes before it. A sample every 2 s, off the request path, took
 * 0.3 ms with 36 label sets (docs/dashboard.md); its timer never holds the process open.
 */
export function createHandler(runtime: Runtime): LambdaHandler {
  const series = createMetricSeries({
    registry: runtime.metrics.registry,
    clock: runtime.services.clock,
    queueStats: () => runtime.views.queue.stats(),
  });
  const instance = `${hostname()}:${process.pid}`;
  const script = dashboardScript(import.meta.url);
  const html = dashboardHtml({
    pollMs: POLL_MS,
    ...(runtime.config.traceLinkTemplate === undefined
      ? {}
      : { traceLinkTemplate: runtime.config.traceLinkTemplate }),
  });
  series.start();

  return composeHandler(
    async (event, context): Promise<ApiResult> => {
      if (event.rawPath === SERIES_PATH) {
        return answerControlRequest(runtime, event, context, () => ({
          operationId: 'getSeries',
          params: {},
          operation: ({ query }) => {
            const since = integerParam(query, 'since', 0, Number.MAX_SAFE_INTEGER);
            return {
              status: 200,
              body: { instance, intervalMs: series.intervalMs, windows: series.windows(since) },
            };
          },
        }));
      }
      if (event.rawPath === DASHBOARD_SCRIPT_PATH) {
        context.operation = 'getDashboardAsset';
        return scriptResult(event, await script());
      }
      if (event.rawPath.startsWith(`${DASHBOARD_PATH}/`)) {
        context.operation = 'getDashboardAsset';
        return {
          statusCode: 404,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            error: {
              code: 'NotFound',
              message: `no dashboard asset at ${event.rawPath}`,
              requestId: context.requestId,
            },
          }),
        };
      }
      context.operation = 'getDashboard';
      return {
        statusCode: 200,
        headers: {
          'content-type': 'text/html; charset=utf-8',
          'content-security-policy': DASHBOARD_CSP,
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
        },
        body: html,
      };
    },
    { runtime, service: 'admin', name: 'Dashboard', errorFormat: 'json' },
  );
}

function scriptResult(event: ApiEvent, script: { body: string; etag: string }): ApiResult {
  const headers = {
    'content-type': 'text/javascript; charset=utf-8',
    etag: script.etag,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
  };
  if (event.headers['if-none-match'] === script.etag) return { statusCode: 304, headers, body: '' };
  return { statusCode: 200, headers, body: script.body };
}

export const handler = lambdaEntry(createHandler);
