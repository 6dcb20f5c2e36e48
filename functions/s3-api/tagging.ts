import type { ApiResult } from '../../layers/request-context.js';
import type { BucketRecord, ObjectRecord, Tag } from '../../shared/metadata/ports.js';
import {
  deleteBucketTagging,
  getBucketTagging,
  putBucketTagging,
  putObjectTagging,
  readObjectTagging,
} from '../../shared/operations/tagging.js';
import type { S3Services } from '../../shared/runtime/runtime.js';
import { parseTaggingDocument } from '../../shared/s3/tagging.js';
import { readUploadBody } from '../../shared/s3/upload-body.js';
import { xmlDocument } from '../../shared/s3/xml.js';
import { emptyResponse, xmlResponse } from './responses.js';
import type { S3Request } from './s3-request.js';

/** `x-amz-version-id` of a sub-resource answer: only in a bucket that is or was versioned. */
export function versionIdHeader(bucket: BucketRecord, object: ObjectRecord): Record<string, string> {
  return bucket.versioning ? { 'x-amz-version-id': object.versionId ?? 'null' } : {};
}

/** The `versionId` a sub-resource call names, if any. */
export function requestedVersionId(request: S3Request): string | undefined {
  return request.query.get('versionId') ?? undefined;
}

/** The request's XML body, aws-chunked framing removed and any Content-MD5 or checksum verified. */
export function requestXml(request: S3Request): Buffer {
  return readUploadBody(request.headers, request.body()).body;
}

function taggingXml(tags: Tag[]): string {
  return xmlDocument('Tagging', { TagSet: { Tag: tags.map((tag) => ({ Key: tag.key, Value: tag.value })) } });
}

export async function handlePutObjectTagging(
  services: S3Services,
  request: S3Request,
  bucket: string,
  key: string,
): Promise<ApiResult> {
  const tags = parseTaggingDocument(requestXml(request), 'object');
  const tagged = await putObjectTagging(services, bucket, key, requestedVersionId(request), tags);
  return emptyResponse(200, versionIdHeader(tagged.bucket, tagged.object));
}

/** GetObjectTagging: the tags in the order they were put; an empty TagSet when there are none. */
export async function handleGetObjectTagging(
  services: S3Services,
  request: S3Request,
  bucket: string,
  key: string,
): Promise<ApiResult> {
  const tagged = await readObjectTagging(services, bucket, key, requestedVersionId(request));
  return xmlResponse(taggingXml(tagged.object.tags ?? []), versionIdHeader(tagged.bucket, tagged.object));
}

export async function handleDeleteObjectTagging(
  services: S3Services,
  request: S3Request,
  bucket: string,
  key: string,
): Promise<ApiResult> {
  const tagged = await putObjectTagging(services, bucket, key, requestedVersionId(request), []);
  return emptyResponse(204, versionIdHeader(tagged.bucket, tagged.object));
}

export async function handlePutBucketTagging(
  services: S3Services,
  request: S3Request,
  bucket: string,
): Promise<ApiResult> {
  await putBucketTagging(services, bucket, parseTaggingDocument(requestXml(request), 'bucket'));
  return emptyResponse(204);
}

export async function handleGetBucketTagging(
  services: S3Services,
  _request: S3Request,
  bucket: string,
): Promise<ApiResult> {
  return xmlResponse(taggingXml(await getBucketTagging(services, bucket)));
}

export async function handleDeleteBucketTagging(
  services: S3Services,
  _request: S3Request,
  bucket: string,
): Promise<ApiResult> {
  await deleteBucketTagging(services, bucket);
  return emptyResponse(204);
}
