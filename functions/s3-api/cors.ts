import type { ApiResult } from '../../layers/request-context.js';
import {
  answerPreflight,
  deleteBucketCors,
  getBucketCors,
  putBucketCors,
} from '../../shared/operations/cors.js';
import type { S3Services } from '../../shared/runtime/runtime.js';
import { readCheckedBody } from '../../shared/s3/checked-body.js';
import { parseCorsConfiguration } from '../../shared/s3/cors.js';
import { xmlDocument } from '../../shared/s3/xml.js';
import { emptyResponse, xmlResponse } from './responses.js';
import type { S3Request } from './s3-request.js';

/** PutBucketCors: S3 requires Content-MD5 (or a flexible checksum) on this body, as on DeleteObjects. */
export async function handlePutBucketCors(
  services: S3Services,
  request: S3Request,
  bucket: string,
): Promise<ApiResult> {
  const body = readCheckedBody(request.headers, request.body());
  await putBucketCors(services, bucket, parseCorsConfiguration(body));
  return emptyResponse(200);
}

export async function handleGetBucketCors(
  services: S3Services,
  _request: S3Request,
  bucket: string,
): Promise<ApiResult> {
  const rules = await getBucketCors(services, bucket);
  return xmlResponse(
    xmlDocument('CORSConfiguration', {
      CORSRule: rules.map((rule) => ({
        ID: rule.id,
        AllowedHeader: rule.allowedHeaders,
        AllowedMethod: rule.allowedMethods,
        AllowedOrigin: rule.allowedOrigins,
        ExposeHeader: rule.exposeHeaders,
        MaxAgeSeconds: rule.maxAgeSeconds,
      })),
    }),
  );
}

export async function handleDeleteBucketCors(
  services: S3Services,
  _request: S3Request,
  bucket: string,
): Promise<ApiResult> {
  await deleteBucketCors(services, bucket);
  return emptyResponse(204);
}

/** OPTIONS on a bucket or an object: the CORS preflight, answered from the bucket's rules. */
export async function handlePreflight(
  services: S3Services,
  request: S3Request,
  bucket: string,
): Promise<ApiResult> {
  const headers = await answerPreflight(services, { bucket, key: request.key, headers: request.headers });
  return emptyResponse(200, headers);
}
