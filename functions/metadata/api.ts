import type { LambdaHandler } from '../../layers/compose-handler.js';
import { lambdaEntry } from '../../layers/lambda-entry.js';
import type { Runtime } from '../../shared/runtime/runtime.js';
import { createInternalApiHandler, type InternalRoute } from '../admin/internal-api.js';
import { getBucket, getObject, listBuckets, listObjects } from './records.js';

/** Where the metadata service is mounted on the control plane. */
export const METADATA_BASE = '/api/v1/metadata';

/** Every operation of the metadata API; the contract test checks them against docs/openapi/metadata.yaml. */
export const METADATA_ROUTES: readonly InternalRoute[] = [
  { method: 'GET', path: `${METADATA_BASE}/buckets`, operationId: 'listBuckets', operation: listBuckets },
  {
    method: 'GET',
    path: `${METADATA_BASE}/buckets/{bucket}`,
    operationId: 'getBucket',
    operation: getBucket,
  },
  {
    method: 'GET',
    path: `${METADATA_BASE}/buckets/{bucket}/objects`,
    operationId: 'listObjects',
    operation: listObjects,
  },
  {
    method: 'GET',
    path: `${METADATA_BASE}/buckets/{bucket}/objects/{key+}`,
    operationId: 'getObject',
    operation: getObject,
  },
];

/**
 * The metadata service's internal API, read-only: buckets and the stored object records (size,
 * ETag, blob ids, checksums, times) as committed, read from the store itself: no read cache and
 * no `db.query`/`cache.get` fault point, so a view never spends a rule (`runtime.views`). The
 * s3-api itself calls the metadata port in process.
 */
export function createHandler(runtime: Runtime): LambdaHandler {
  return createInternalApiHandler({
    runtime,
    service: 'metadata',
    name: 'MetadataApi',
    routes: METADATA_ROUTES,
  });
}

export const handler = lambdaEntry(createHandler);
