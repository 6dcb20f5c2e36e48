import type { LambdaHandler } from '../../layers/compose-handler.js';
import { lambdaEntry } from '../../layers/lambda-entry.js';
import type { Runtime } from '../../shared/runtime/runtime.js';
import { createInternalApiHandler, type InternalRoute } from '../admin/internal-api.js';
import { drainQueue, queueStats } from './queue.js';

/** Where the async service is mounted on the control plane. */
export const ASYNC_BASE = '/api/v1/async';

/** Every operation of the async API; the contract test checks them against docs/openapi/async.yaml. */
export const ASYNC_ROUTES: readonly InternalRoute[] = [
  { method: 'GET', path: `${ASYNC_BASE}/queue`, operationId: 'getQueueStats', operation: queueStats },
  { method: 'POST', path: `${ASYNC_BASE}/drain`, operationId: 'drainQueue', operation: drainQueue },
];

/**
 * The async service's internal API: the task queue's backlog, lag and dead letters, and a bounded
 * wait for it to empty. Tasks are published and consumed in process through the queue port.
 */
export function createHandler(runtime: Runtime): LambdaHandler {
  return createInternalApiHandler({ runtime, service: 'async', name: 'AsyncApi', routes: ASYNC_ROUTES });
}

export const handler = lambdaEntry(createHandler);
