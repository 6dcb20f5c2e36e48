/** Where storage-node workers register themselves in etcd: `<prefix><id>` = JSON NodeEntry. */
export const NODES_PREFIX = '/mock-s3/nodes/';

/** What a storage-node worker publishes about itself while its lease is alive. */
export interface NodeEntry {
  id: string;
  /** e.g. `http://127.0.0.1:7001`: where the storage service reaches the worker. */
  baseUrl: string;
  /** ISO 8601 time the worker registered (tells a restarted node from a long-lived one). */
  startedAt: string;
}

/** Node ids are the ones `workers/storage-node` accepts (NODE_ID), so a key never nests. */
const NODE_ID = /^[A-Za-z0-9_.-]{1,64}$/;

export class InvalidNodeEntryError extends Error {
  override readonly name = 'InvalidNodeEntryError';
}

/** The etcd key of a node under a prefix. */
export function nodeKey(prefix: string, id: string): string {
  if (!NODE_ID.test(id)) throw new InvalidNodeEntryError(`invalid node id ${JSON.stringify(id)}`);
  return `${prefix}${id}`;
}

/**
 * Parses a registration value read from etcd. Throws on anything malformed, so one bad writer
 * cannot put an unusable node into the placement set.
 */
export function parseNodeEntry(key: string, value: string, prefix = NODES_PREFIX): NodeEntry {
  let raw: unknown;
  try {
    raw = JSON.parse(value);
  } catch (error) {
    throw new InvalidNodeEntryError(`${key}: value is not JSON`, { cause: error });
  }
  const entry = raw as Partial<NodeEntry> | null;
  if (
    !entry ||
    typeof entry !== 'object' ||
    typeof entry.id !== 'string' ||
    !NODE_ID.test(entry.id) ||
    typeof entry.baseUrl !== 'string' ||
    !/^https?:\/\//.test(entry.baseUrl) ||
    typeof entry.startedAt !== 'string'
  ) {
    throw new InvalidNodeEntryError(`${key}: not a node entry {id, baseUrl, startedAt}`);
  }
  if (key !== `${prefix}${entry.id}`) {
    throw new InvalidNodeEntryError(`${key}: entry id ${entry.id} does not match its key`);
  }
  return { id: entry.id, baseUrl: entry.baseUrl, startedAt: entry.startedAt };
}
