import type { ApiResult } from '../../layers/request-context.js';
import type { S3Services } from '../../shared/runtime/runtime.js';
import { S3Error } from '../../shared/s3/errors.js';
import {
  handleCreateBucket,
  handleDeleteBucket,
  handleGetBucketLocation,
  handleGetBucketVersioning,
  handleHeadBucket,
  handleListBuckets,
} from './buckets.js';
import { handleCopyObject } from './copy-object.js';
import { handleDeleteObject, handleDeleteObjects } from './delete-objects.js';
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
import { handlePutObject } from './put-object.js';
import type { S3Request } from './s3-request.js';

export interface S3Operation {
  /** The S3 API name, e.g. `PutObject`: used for metrics, logs, spans and fault matching. */
  name: string;
  run(services: S3Services): Promise<ApiResult>;
}

/**
 * Sub-resources S3 has that this service does not implement: asking for one is 501 NotImplemented,
 * never a silent fall-through to the plain operation (a PUT ?tagging must not overwrite the object).
 */
const UNSUPPORTED_SUBRESOURCES = [
  'accelerate',
  'acl',
  'analytics',
  'attributes',
  'cors',
  'encryption',
  'intelligent-tiering',
  'inventory',
  'legal-hold',
  'lifecycle',
  'logging',
  'metadataConfiguration',
  'metrics',
  'notification',
  'object-lock',
  'ownershipControls',
  'policy',
  'policyStatus',
  'publicAccessBlock',
  'replication',
  'requestPayment',
  'restore',
  'retention',
  'select',
  'tagging',
  'torrent',
  'website',
] as const;

/** Picks the S3 operation from method, addressing and sub-resources. */
export function resolveOperation(request: S3Request): S3Operation {
  const { method, bucket, key, query } = request;
  const unsupported = UNSUPPORTED_SUBRESOURCES.find((name) => query.has(name));
  if (unsupported) return notImplemented(`${method} ?${unsupported}`);
  if (query.has('versioning') && !(method === 'GET' && bucket && !key))
    return notImplemented(`${method} ?versioning`);
  if (bucket === undefined) {
    if (method === 'GET') return { name: 'ListBuckets', run: (s) => handleListBuckets(s) };
    return methodNotAllowed(method);
  }
  if (key === undefined) return bucketOperation(request, bucket);
  return objectOperation(request, bucket, key);
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
      return notImplemented('POST on a bucket');
    case 'GET':
      if (query.has('location'))
        return { name: 'GetBucketLocation', run: (s) => handleGetBucketLocation(s, bucket) };
      if (query.has('versioning'))
        return { name: 'GetBucketVersioning', run: (s) => handleGetBucketVersioning(s, bucket) };
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
      return { name: 'DeleteObject', run: (s) => handleDeleteObject(s, bucket, key) };
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
