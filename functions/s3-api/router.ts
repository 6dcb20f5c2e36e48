import type { ApiResult } from '../../layers/request-context.js';
import type { S3Services } from '../../shared/runtime/runtime.js';
import { S3Error } from '../../shared/s3/errors.js';
import {
  handleDeleteBucketOwnershipControls,
  handleGetBucketAcl,
  handleGetBucketOwnershipControls,
  handleGetObjectAcl,
  handlePutBucketAcl,
  handlePutBucketOwnershipControls,
  handlePutObjectAcl,
} from './acl.js';
import {
  handleCreateBucket,
  handleDeleteBucket,
  handleGetBucketLocation,
  handleGetBucketVersioning,
  handleHeadBucket,
  handleListBuckets,
} from './buckets.js';
import { handleCopyObject } from './copy-object.js';
import { handleDeleteBucketCors, handleGetBucketCors, handlePreflight, handlePutBucketCors } from './cors.js';
import { handleDeleteObject, handleDeleteObjects } from './delete-objects.js';
import {
  handleDeleteBucketEncryption,
  handleGetBucketEncryption,
  handlePutBucketEncryption,
} from './encryption.js';
import { getObject } from './get-object.js';
import { handleListObjectsV1, handleListObjectsV2, handleListObjectVersions } from './list-objects.js';
import {
  handleAbortMultipartUpload,
  handleCompleteMultipartUpload,
  handleCreateMultipartUpload,
  handleListMultipartUploads,
  handleListParts,
  handleUploadPart,
  handleUploadPartCopy,
} from './multipart.js';
import { handleGetObjectAttributes } from './object-attributes.js';
import { handlePostObject } from './post-object.js';
import { handlePutObject } from './put-object.js';
import type { S3Request } from './s3-request.js';
import {
  handleDeleteBucketTagging,
  handleDeleteObjectTagging,
  handleGetBucketTagging,
  handleGetObjectTagging,
  handlePutBucketTagging,
  handlePutObjectTagging,
} from './tagging.js';
import { handlePutBucketVersioning } from './versioning.js';

export interface S3Operation {
  /** The S3 API name, e.g. `PutObject`: used for metrics, logs, spans and fault matching. */
  name: string;
  run(services: S3Services): Promise<ApiResult>;
}

/**
 * Sub-resources S3 has that this service does not implement: asking for one is 501 NotImplemented,
 * never a silent fall-through to the plain operation (a PUT ?lifecycle must not create a bucket).
 */
const UNSUPPORTED_SUBRESOURCES = [
  'accelerate',
  'analytics',
  'intelligent-tiering',
  'inventory',
  'legal-hold',
  'lifecycle',
  'logging',
  'metadataConfiguration',
  'metrics',
  'notification',
  'object-lock',
  'policy',
  'policyStatus',
  'publicAccessBlock',
  'replication',
  'requestPayment',
  'restore',
  'retention',
  'select',
  'torrent',
  'website',
] as const;

type BucketHandler = (services: S3Services, request: S3Request, bucket: string) => Promise<ApiResult>;
type ObjectHandler = (
  services: S3Services,
  request: S3Request,
  bucket: string,
  key: string,
) => Promise<ApiResult>;

/** Bucket sub-resources this service answers: method -> [S3 operation name, handler]. */
const BUCKET_SUBRESOURCES: Record<string, Record<string, [string, BucketHandler]>> = {
  versioning: {
    GET: ['GetBucketVersioning', (s, _r, b) => handleGetBucketVersioning(s, b)],
    PUT: ['PutBucketVersioning', handlePutBucketVersioning],
  },
  tagging: {
    GET: ['GetBucketTagging', handleGetBucketTagging],
    PUT: ['PutBucketTagging', handlePutBucketTagging],
    DELETE: ['DeleteBucketTagging', handleDeleteBucketTagging],
  },
  acl: {
    GET: ['GetBucketAcl', handleGetBucketAcl],
    PUT: ['PutBucketAcl', handlePutBucketAcl],
  },
  cors: {
    GET: ['GetBucketCors', handleGetBucketCors],
    PUT: ['PutBucketCors', handlePutBucketCors],
    DELETE: ['DeleteBucketCors', handleDeleteBucketCors],
  },
  encryption: {
    GET: ['GetBucketEncryption', handleGetBucketEncryption],
    PUT: ['PutBucketEncryption', handlePutBucketEncryption],
    DELETE: ['DeleteBucketEncryption', handleDeleteBucketEncryption],
  },
  ownershipControls: {
    GET: ['GetBucketOwnershipControls', handleGetBucketOwnershipControls],
    PUT: ['PutBucketOwnershipControls', handlePutBucketOwnershipControls],
    DELETE: ['DeleteBucketOwnershipControls', handleDeleteBucketOwnershipControls],
  },
};

/** Object sub-resources this service answers. */
const OBJECT_SUBRESOURCES: Record<string, Record<string, [string, ObjectHandler]>> = {
  tagging: {
    GET: ['GetObjectTagging', handleGetObjectTagging],
    PUT: ['PutObjectTagging', handlePutObjectTagging],
    DELETE: ['DeleteObjectTagging', handleDeleteObjectTagging],
  },
  acl: {
    GET: ['GetObjectAcl', handleGetObjectAcl],
    PUT: ['PutObjectAcl', handlePutObjectAcl],
  },
  attributes: {
    GET: ['GetObjectAttributes', handleGetObjectAttributes],
  },
};

/** Picks the S3 operation from method, addressing and sub-resources. */
export function resolveOperation(request: S3Request): S3Operation {
  const { method, bucket, key, query } = request;
  const unsupported = UNSUPPORTED_SUBRESOURCES.find((name) => query.has(name));
  if (unsupported) return notImplemented(`${method} ?${unsupported}`);
  if (bucket === undefined) {
    if (method === 'GET') return { name: 'ListBuckets', run: (s) => handleListBuckets(s) };
    return methodNotAllowed(method);
  }
  // The browser asks before a cross-origin request; answered from the bucket's CORS rules.
  if (method === 'OPTIONS')
    return { name: 'PreflightRequest', run: (s) => handlePreflight(s, request, bucket) };
  if (key === undefined) {
    const sub = findSubresource(BUCKET_SUBRESOURCES, query);
    if (!sub) return bucketOperation(request, bucket);
    const entry = sub.methods[method];
    if (!entry) return notImplemented(`${method} ?${sub.name}`);
    return { name: entry[0], run: (s) => entry[1](s, request, bucket) };
  }
  const sub = findSubresource(OBJECT_SUBRESOURCES, query);
  if (!sub) return objectOperation(request, bucket, key);
  const entry = sub.methods[method];
  if (!entry) return notImplemented(`${method} ?${sub.name}`);
  return { name: entry[0], run: (s) => entry[1](s, request, bucket, key) };
}

/**
 * The first known sub-resource the query names. A known sub-resource with a method it does not take
 * is NotImplemented naming both, never a fall-through to the plain operation.
 */
function findSubresource<H>(
  table: Record<string, Record<string, [string, H]>>,
  query: URLSearchParams,
): { name: string; methods: Record<string, [string, H]> } | undefined {
  const name = Object.keys(table).find((subresource) => query.has(subresource));
  return name === undefined ? undefined : { name, methods: table[name]! };
}

function bucketOperation(request: S3Request, bucket: string): S3Operation {
  const { method, query } = request;
  switch (method) {
    case 'PUT':
      return { name: 'CreateBucket', run: (s) => handleCreateBucket(s, request, bucket) };
    case 'HEAD':
      return { name: 'HeadBucket', run: (s) => handleHeadBucket(s, bucket) };
    case 'DELETE':
      return { name: 'DeleteBucket', run: (s) => handleDeleteBucket(s, bucket) };
    case 'POST':
      if (query.has('delete'))
        return { name: 'DeleteObjects', run: (s) => handleDeleteObjects(s, request, bucket) };
      // A browser form upload (multipart/form-data) posts to the bucket.
      return { name: 'PostObject', run: (s) => handlePostObject(s, request, bucket) };
    case 'GET':
      if (query.has('location'))
        return { name: 'GetBucketLocation', run: (s) => handleGetBucketLocation(s, bucket) };
      if (query.has('versions'))
        return { name: 'ListObjectVersions', run: (s) => handleListObjectVersions(s, request, bucket) };
      if (query.has('uploads'))
        return { name: 'ListMultipartUploads', run: (s) => handleListMultipartUploads(s, request, bucket) };
      if (query.get('list-type') === '2')
        return { name: 'ListObjectsV2', run: (s) => handleListObjectsV2(s, request, bucket) };
      return { name: 'ListObjects', run: (s) => handleListObjectsV1(s, request, bucket) };
    default:
      return methodNotAllowed(method);
  }
}

function objectOperation(request: S3Request, bucket: string, key: string): S3Operation {
  const { method, query, headers } = request;
  const isPart = query.has('uploadId');
  switch (method) {
    case 'PUT':
      if (isPart && headers['x-amz-copy-source']) {
        return { name: 'UploadPartCopy', run: (s) => handleUploadPartCopy(s, request, bucket, key) };
      }
      if (isPart) return { name: 'UploadPart', run: (s) => handleUploadPart(s, request, bucket, key) };
      if (headers['x-amz-copy-source'])
        return { name: 'CopyObject', run: (s) => handleCopyObject(s, request, bucket, key) };
      return { name: 'PutObject', run: (s) => handlePutObject(s, request, bucket, key) };
    case 'GET':
      if (isPart) return { name: 'ListParts', run: (s) => handleListParts(s, request, bucket, key) };
      return { name: 'GetObject', run: (s) => getObject(s, request, bucket, key) };
    case 'HEAD':
      return { name: 'HeadObject', run: (s) => getObject(s, request, bucket, key) };
    case 'DELETE':
      if (isPart)
        return {
          name: 'AbortMultipartUpload',
          run: (s) => handleAbortMultipartUpload(s, request, bucket, key),
        };
      return { name: 'DeleteObject', run: (s) => handleDeleteObject(s, request, bucket, key) };
    case 'POST':
      if (query.has('uploads'))
        return {
          name: 'CreateMultipartUpload',
          run: (s) => handleCreateMultipartUpload(s, request, bucket, key),
        };
      if (isPart)
        return {
          name: 'CompleteMultipartUpload',
          run: (s) => handleCompleteMultipartUpload(s, request, bucket, key),
        };
      return notImplemented('POST on an object');
    default:
      return methodNotAllowed(method);
  }
}

function notImplemented(what: string): S3Operation {
  return {
    name: 'NotImplemented',
    run: () =>
      Promise.reject(
        new S3Error('NotImplemented', { message: `${what} is not implemented by this service.` }),
      ),
  };
}

function methodNotAllowed(method: string): S3Operation {
  return {
    name: 'MethodNotAllowed',
    run: () =>
      Promise.reject(
        new S3Error('MethodNotAllowed', { detail: { Method: method, ResourceType: 'SERVICE' } }),
      ),
  };
}
