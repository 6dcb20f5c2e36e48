import { blobReplicas, type MetadataProbe } from './blobs.js';
import type { StackEnv } from './stack-env.js';

/** Blob id -> replicas on `nodes` (all nodes by default), for the blobs of one bucket's objects. */
export async function bucketReplicaCounts(
  env: StackEnv,
  probe: MetadataProbe,
  bucket: string,
  nodes: readonly string[] = env.nodeIds,
): Promise<Map<string, number>> {
  const [blobs, replicas] = await Promise.all([probe.bucketBlobs(bucket), blobReplicas(env)]);
  const counts = new Map<string, number>();
  for (const blobId of blobs) {
    counts.set(blobId, (replicas.get(blobId) ?? []).filter((node) => nodes.includes(node)).length);
  }
  return counts;
}

/** The entries of `counts` below `replicas`. */
export function underReplicated(counts: ReadonlyMap<string, number>, replicas: number): [string, number][] {
  return [...counts].filter(([, count]) => count < replicas);
}
