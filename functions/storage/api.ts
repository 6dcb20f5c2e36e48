import type { LambdaHandler } from '../../layers/compose-handler.js';
import { lambdaEntry } from '../../layers/lambda-entry.js';
import type { Runtime } from '../../shared/runtime/runtime.js';
import { createInternalApiHandler, type InternalRoute } from '../admin/internal-api.js';
import { listNodes, objectReplicas, repairNow } from './nodes.js';

/** Where the storage service is mounted on the control plane. */
export const STORAGE_BASE = '/api/v1/storage';

/** Every operation of the storage API; the contract test checks them against docs/openapi/storage.yaml. */
export const STORAGE_ROUTES: readonly InternalRoute[] = [
  { method: 'GET', path: `${STORAGE_BASE}/nodes`, operationId: 'listNodes', operation: listNodes },
  {
    method: 'GET',
    path: `${STORAGE_BASE}/replicas/{bucket}/{key+}`,
    operationId: 'getObjectReplicas',
    operation: objectReplicas,
  },
  { method: 'POST', path: `${STORAGE_BASE}/repair`, operationId: 'repairNow', operation: repairNow },
];

/**
 * The storage service's internal API: the live nodes and their health, where each replica of an
 * object is (verified by reading it back), and a reconcile pass on demand. The s3-api calls the
 * storage port in process; this is for operators, drills and tests.
 */
export function createHandler(runtime: Runtime): LambdaHandler {
  return createInternalApiHandler({
    runtime,
    service: 'storage',
    name: 'StorageApi',
    routes: STORAGE_ROUTES,
  });
}

export const handler = lambdaEntry(createHandler);
