import type { Runtime, StorageControl } from '../../shared/runtime/runtime.js';
import {
  BlobCorruptError,
  BlobMissingError,
  type NodeHealth,
  type StorageNode,
} from '../../shared/storage/ports.js';
import { verifyReplica } from '../../shared/storage/verify-replica.js';
import { ControlError } from '../injection/control-error.js';
import {
  type ControlRequest,
  type ControlResponse,
  objectBody,
  refuseUnknownFields,
} from '../injection/request.js';
import { knownBucket, knownObject } from '../metadata/records.js';

/** What one node holds of one blob: `verified` (read back, checksum good) or `present` (stat only). */
export type ReplicaState = 'verified' | 'present' | 'missing' | 'corrupt' | 'unavailable';

export interface ReplicaView {
  node: string;
  state: ReplicaState;
  size?: number;
  storedAt?: string;
}

/** GET /api/v1/storage/nodes: the nodes discovery lists now, each with its health. */
export async function listNodes({ runtime }: ControlRequest): Promise<ControlResponse> {
  const control = storageOf(runtime);
  const nodes = await Promise.all(
    runtime.views.nodes().map(async (node) => {
      const health = await node.health().catch((): NodeHealth => ({ id: node.id, healthy: false }));
      const address = control.address(node.id);
      return {
        id: node.id,
        ...(address === undefined ? {} : { address }),
        healthy: health.healthy,
        ...(health.blobs === undefined ? {} : { blobs: health.blobs }),
        ...(health.bytes === undefined ? {} : { bytes: health.bytes }),
      };
    }),
  );
  return { status: 200, body: { replicas: replicasInForce(runtime), nodes } };
}

/**
 * GET /api/v1/storage/replicas/{bucket}/{key+}?verify=true|false: for each blob of the object,
 * what every live node holds. `verify` (the default) reads each replica back and checks it,
 * through no fault point: the view shows the bytes on disk, not what a rule would make of them.
 */
export async function objectReplicas({ runtime, params, query }: ControlRequest): Promise<ControlResponse> {
  const verify = booleanParam(query, 'verify', true);
  const bucket = await knownBucket(runtime, params.bucket!);
  const object = await knownObject(runtime, bucket.name, params.key!);
  const nodes = runtime.views.nodes();
  const blobs = await Promise.all(
    object.segments.map(async ({ blobId, size }) => {
      const replicas = await Promise.all(nodes.map((node) => replicaOn(node, blobId, verify)));
      const holders = replicas.filter((r) => r.state === 'verified' || r.state === 'present').length;
      return { blobId, size, holders, replicas };
    }),
  );
  return {
    status: 200,
    body: {
      bucket: bucket.name,
      key: object.key,
      replicas: replicasInForce(runtime),
      verified: verify,
      blobs,
    },
  };
}

/** POST /api/v1/storage/repair: one reconcile pass now (repair to R replicas, orphan collection). */
export async function repairNow({ runtime, body }: ControlRequest): Promise<ControlResponse> {
  refuseUnknownFields(objectBody(body, true), []);
  return { status: 200, body: await storageOf(runtime).reconcile() };
}

async function replicaOn(node: StorageNode, blobId: string, verify: boolean): Promise<ReplicaView> {
  let stat: Awaited<ReturnType<StorageNode['stat']>>;
  try {
    stat = await node.stat(blobId);
  } catch {
    return { node: node.id, state: 'unavailable' };
  }
  if (stat === undefined) return { node: node.id, state: 'missing' };
  const seen = { node: node.id, size: stat.size, storedAt: stat.storedAt.toISOString() };
  if (!verify) return { ...seen, state: 'present' };
  try {
    await verifyReplica(node, blobId);
    return { ...seen, state: 'verified' };
  } catch (error) {
    if (error instanceof BlobCorruptError) return { ...seen, state: 'corrupt' };
    if (error instanceof BlobMissingError) return { node: node.id, state: 'missing' };
    return { ...seen, state: 'unavailable' };
  }
}

function booleanParam(query: URLSearchParams, name: string, fallback: boolean): boolean {
  const raw = query.get(name);
  if (raw === null) return fallback;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  throw new ControlError('ValidationError', `${name}: must be true or false`, { field: name });
}

/** R as new writes use it: the live `storage.replicas`, else the environment's. */
function replicasInForce(runtime: Runtime): number {
  return runtime.dynamicConfig?.live.get('storage.replicas') ?? runtime.config.storage.replicas;
}

function storageOf(runtime: Runtime): StorageControl {
  if (runtime.storage === undefined) throw new Error('this host runs without storage control');
  return runtime.storage;
}
