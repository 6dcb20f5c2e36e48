import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import type { StackEnv } from './stack-env.js';

/** Blob id -> the nodes holding a file of it (`STACK_DATA_DIR/nodes/<node>/blobs/xx/<blobId>`). */
export async function blobReplicas(env: StackEnv): Promise<Map<string, string[]>> {
  const replicas = new Map<string, string[]>();
  for (const node of env.nodeIds) {
    const root = join(env.dataDir, 'nodes', node, 'blobs');
    for (const shard of await readdir(root).catch(() => [] as string[])) {
      for (const file of await readdir(join(root, shard)).catch(() => [] as string[])) {
        if (!file.startsWith('.')) replicas.set(file, [...(replicas.get(file) ?? []), node]);
      }
    }
  }
  return replicas;
}

/**
 * Reads the stack's metadata directly (its own PostgreSQL): which blobs an object, a bucket or
 * anything references. The S3 API does not expose blob ids, and the reliability tests must count
 * the replicas of exactly the objects they wrote.
 */
export class MetadataProbe {
  private readonly pool: pg.Pool;

  constructor(env: StackEnv) {
    this.pool = new pg.Pool({ connectionString: env.databaseUrl, max: 2, connectionTimeoutMillis: 5_000 });
    // The tests restart this server: a dropped idle connection must not crash jest.
    this.pool.on('error', () => undefined);
  }

  /** Blob ids of the objects of `bucket` (segments of single and multipart objects). */
  async bucketBlobs(bucket: string): Promise<Set<string>> {
    const { rows } = await this.pool.query<{ blob_id: string }>(
      'SELECT DISTINCT blob_id FROM object_blobs WHERE bucket = $1',
      [bucket],
    );
    return new Set(rows.map((row) => row.blob_id));
  }

  /** Every blob id the metadata references (objects and parts of open uploads). */
  async referencedBlobs(): Promise<Set<string>> {
    const { rows } = await this.pool.query<{ blob_id: string }>(
      'SELECT blob_id FROM object_blobs UNION SELECT blob_id FROM parts',
    );
    return new Set(rows.map((row) => row.blob_id));
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
