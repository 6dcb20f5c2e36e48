/**
 * What the span of a port call says it touched (see `tracePort`): one describer per port, given
 * where the runtime wraps the port. Names follow the OpenTelemetry semantic conventions where one
 * exists (`db.*`, `messaging.*`), and `storage.*` / `cache.*` / `mock_s3.*` for what has none.
 */
import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_SYSTEM_NAME,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import {
  ATTR_AWS_S3_BUCKET,
  ATTR_AWS_S3_KEY,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  ATTR_PEER_SERVICE,
} from '@opentelemetry/semantic-conventions/incubating';
import type { PortSpanAttributes } from './tracing.js';

/** The storage node a span's call went to (a node's own spans and the node port). */
export const ATTR_STORAGE_NODE_ID = 'storage.node.id';
/** The storage nodes that hold (or confirmed) a blob after the call. */
export const ATTR_STORAGE_NODE_IDS = 'storage.node.ids';
export const ATTR_BLOB_ID = 'mock_s3.blob.id';
/** Bytes written (a put) or read (a get). */
export const ATTR_BLOB_SIZE = 'mock_s3.blob.size';
export const ATTR_CACHE_OPERATION = 'cache.operation';
/** What a cache key names (`obj`, `bucket`, `ver`, ...): its prefix, never the key itself. */
export const ATTR_CACHE_KEY_KIND = 'cache.key_kind';
export const ATTR_CACHE_HIT = 'cache.hit';
export const ATTR_TASK_TYPE = 'mock_s3.task.type';
/** The metadata backend behind `db.system.name=postgresql`: `postgresql` or `pglite` (embedded). */
export const ATTR_METADATA_BACKEND = 'mock_s3.metadata.backend';

/** The replicated blob store (`storage.*` spans): blob id and size, and where the replicas went. */
export const blobStoreSpanAttributes: PortSpanAttributes = {
  call(method, args) {
    return blobCall(method, args);
  },
  result(method, value) {
    switch (method) {
      case 'put':
        return { [ATTR_STORAGE_NODE_IDS]: (value as { nodes: string[] }).nodes };
      case 'get':
        return Buffer.isBuffer(value) ? { [ATTR_BLOB_SIZE]: value.length } : undefined;
      case 'delete':
        return { [ATTR_STORAGE_NODE_IDS]: (value as { confirmed: string[] }).confirmed };
      case 'repair': {
        const repair = value as { healthy: string[]; repaired: string[]; lost: boolean };
        return {
          [ATTR_STORAGE_NODE_IDS]: [...repair.healthy, ...repair.repaired],
          'mock_s3.repair.repaired': repair.repaired.length,
          'mock_s3.repair.lost': repair.lost,
        };
      }
      default:
        return undefined;
    }
  },
};

/** One storage node (`node.*` spans): its id, the blob and the bytes. */
export function storageNodeSpanAttributes(nodeId: string): PortSpanAttributes {
  return {
    call(method, args) {
      return { [ATTR_STORAGE_NODE_ID]: nodeId, ...blobCall(method, args) };
    },
    result(method, value) {
      return method === 'get' && Buffer.isBuffer(value) ? { [ATTR_BLOB_SIZE]: value.length } : undefined;
    },
  };
}

/** Blob id (first argument) and, for a put, its size. */
function blobCall(method: string, args: readonly unknown[]): Attributes | undefined {
  const [blobId, bytes] = args;
  if (typeof blobId !== 'string') return undefined;
  if (method === 'put' && Buffer.isBuffer(bytes))
    return { [ATTR_BLOB_ID]: blobId, [ATTR_BLOB_SIZE]: bytes.length };
  return { [ATTR_BLOB_ID]: blobId };
}

/** The table each metadata operation reads or writes. */
const METADATA_TABLES: Record<string, string> = {
  createBucket: 'buckets',
  getBucket: 'buckets',
  listBuckets: 'buckets',
  deleteBucket: 'buckets',
  putObject: 'objects',
  getObject: 'objects',
  deleteObject: 'objects',
  listObjects: 'objects',
  referencedBlobs: 'objects',
  listReferencedBlobs: 'objects',
  getObjectVersion: 'object_versions',
  latestVersion: 'object_versions',
  putDeleteMarker: 'object_versions',
  deleteObjectVersion: 'object_versions',
  listObjectVersions: 'object_versions',
  noncurrentVersionStats: 'object_versions',
  createUpload: 'uploads',
  getUpload: 'uploads',
  listUploads: 'uploads',
  abortUpload: 'uploads',
  completeUpload: 'uploads',
  putPart: 'parts',
  listParts: 'parts',
};

/**
 * The metadata store (`metadata.*` spans): `db.system.name=postgresql` (PGlite is PostgreSQL
 * compiled to WebAssembly; `mock_s3.metadata.backend` tells which), the operation, its table, and
 * the bucket and key it is about.
 */
export function metadataSpanAttributes(backend: 'postgresql' | 'pglite'): PortSpanAttributes {
  return {
    call(method, args) {
      const attributes: Attributes = {
        [ATTR_DB_SYSTEM_NAME]: 'postgresql',
        [ATTR_METADATA_BACKEND]: backend,
        [ATTR_DB_OPERATION_NAME]: method,
      };
      const table = METADATA_TABLES[method];
      if (table !== undefined) attributes[ATTR_DB_COLLECTION_NAME] = table;
      const [first, second] = args;
      if (typeof first === 'string' && method !== 'listParts' && method !== 'listReferencedBlobs') {
        // getBucket(name), getObject(bucket, key), deleteObject(...), getUpload(...), abortUpload(...)
        attributes[ATTR_AWS_S3_BUCKET] = first;
        if (typeof second === 'string') attributes[ATTR_AWS_S3_KEY] = second;
      } else {
        // A record or a query: putObject(object), createUpload(upload), listObjects(query), ...
        const record = (method === 'completeUpload' ? second : first) as
          | { bucket?: unknown; name?: unknown; key?: unknown }
          | undefined;
        const bucket = record?.bucket ?? (method === 'createBucket' ? record?.name : undefined);
        if (typeof bucket === 'string') attributes[ATTR_AWS_S3_BUCKET] = bucket;
        if (typeof record?.key === 'string') attributes[ATTR_AWS_S3_KEY] = record.key;
      }
      return attributes;
    },
  };
}

/**
 * The task queue (`queue.*` spans): the messaging system (`redis`, `aws_sqs`, or `memory`), the
 * queue's name, and for a publish the task type.
 */
export function queueSpanAttributes(destination: { system: string; name: string }): PortSpanAttributes {
  return {
    call(method, args) {
      const attributes: Attributes = {
        [ATTR_MESSAGING_SYSTEM]: destination.system,
        [ATTR_MESSAGING_DESTINATION_NAME]: destination.name,
        [ATTR_MESSAGING_OPERATION_NAME]: method,
      };
      if (method === 'publish') {
        attributes[ATTR_MESSAGING_OPERATION_TYPE] = 'send';
        const type = (args[0] as { type?: unknown } | undefined)?.type;
        if (typeof type === 'string') attributes[ATTR_TASK_TYPE] = type;
      }
      return attributes;
    },
  };
}

/** The metadata read cache (`cache.*` spans): operation, the kind of key, hit or miss. */
export const cacheSpanAttributes: PortSpanAttributes = {
  call(method, args) {
    const [key] = args;
    const keys = Array.isArray(key) ? (key as unknown[]) : [key];
    const kinds = [...new Set(keys.filter((k) => typeof k === 'string').map(keyKind))];
    return { [ATTR_CACHE_OPERATION]: method, [ATTR_CACHE_KEY_KIND]: kinds.join(',') };
  },
  result(method, value) {
    if (method === 'get') return { [ATTR_CACHE_HIT]: value !== undefined };
    // getMany: a hit when the first key (the entry; the others guard it) was found.
    if (method === 'getMany' && Array.isArray(value)) return { [ATTR_CACHE_HIT]: value[0] !== undefined };
    return undefined;
  },
};

/** `obj` of `obj:bucket/key`: the kind of entry, bounded, where the key itself is not. */
function keyKind(key: string): string {
  const colon = key.indexOf(':');
  return colon < 0 ? 'other' : key.slice(0, colon);
}

/**
 * A call between services (`shared/http` client spans): method, server, the full URL (without
 * credentials), and `peer.service` naming the target as the breaker and metrics do.
 */
export function httpClientSpanAttributes(method: string, url: URL): Attributes {
  const full = new URL(url.href);
  full.username = '';
  full.password = '';
  return {
    [ATTR_HTTP_REQUEST_METHOD]: method,
    [ATTR_SERVER_ADDRESS]: url.hostname,
    [ATTR_SERVER_PORT]: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
    [ATTR_URL_FULL]: full.href,
    [ATTR_URL_PATH]: url.pathname,
    [ATTR_PEER_SERVICE]: url.host,
  };
}

/** The kind of origin a read-through fetch went to (`s3`, `http`). */
export const ATTR_ORIGIN_KIND = 'origin.kind';

/**
 * The `origin GET` CLIENT span of a read-through fetch: the HTTP client's attributes for the URL
 * it reads, the bucket at the origin (`aws.s3.bucket`, the remote one) and the key.
 */
export function originFetchSpanAttributes(
  url: URL,
  origin: { remoteBucket: string; kind: string },
  key: string,
): Attributes {
  return {
    ...httpClientSpanAttributes('GET', url),
    [ATTR_AWS_S3_BUCKET]: origin.remoteBucket,
    [ATTR_AWS_S3_KEY]: key,
    [ATTR_ORIGIN_KIND]: origin.kind,
  };
}
