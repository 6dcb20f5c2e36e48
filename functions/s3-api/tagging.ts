import type { ApiResult } from '../../layers/request-context.js';
import type { Tag } from '../../shared/metadata/ports.js';
import { requireAddressedObject } from '../../shared/operations/sub-resource.js';
import {
  deleteBucketTagging,
  getBucketTagging,
  putBucketTagging,
  putObjectTagging,
} from '../../shared/operations/tagging.js';
import { versionIdHeader } from '../../shared/operations/versions.js';
import type { S3Services } from '../../shared/runtime/runtime.js';
import { parseTaggingDocument } from '../../shared/s3/tagging.js';
import { xmlDocument } from '../../shared/s3/xml.js';
import { emptyResponse, xmlResponse } from './responses.js';
import type { S3Request } from './s3-request.js';
import { requestedVersionId, requestXml } from './sub-resource-request.js';

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
  const tagged = await putObjectTagging(
    services,
    { bucket, key, versionId: requestedVersionId(request), method: 'PUT' },
    tags,
  );
  return emptyResponse(200, versionIdHeader(tagged.bucket, tagged.object));
}

/** GetObjectTagging: the tags in the order they were put; an empty TagSet when there are none. */
export async function handleGetObjectTagging(
  services: S3Services,
  request: S3Request,
  bucket: string,
  key: string,
): Promise<ApiResult> {
  const tagged = await requireAddressedObject(services, {
    bucket,
    key,
    versionId: requestedVersionId(request),
    method: 'GET',
  });
  return xmlResponse(taggingXml(tagged.object.tags ?? []), versionIdHeader(tagged.bucket, tagged.object));
}

export async function handleDeleteObjectTagging(
  services: S3Services,
  request: S3Request,
  bucket: string,
  key: string,
): Promise<ApiResult> {
  const tagged = await putObjectTagging(
    services,
    { bucket, key, versionId: requestedVersionId(request), method: 'DELETE' },
    [],
  );
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
