import type { CorsRule } from '../metadata/ports.js';
import type { S3Services } from '../runtime/runtime.js';
import {
  CORS_METHODS,
  type CorsRequest,
  corsResponseHeaders,
  matchCorsRule,
  requestedHeaders,
} from '../s3/cors.js';
import { S3Error } from '../s3/errors.js';
import { requireBucket } from './buckets.js';

/** PutBucketCors: replaces the bucket's rules (already validated). */
export async function putBucketCors(services: S3Services, bucket: string, rules: CorsRule[]): Promise<void> {
  await requireBucket(services, bucket);
  if (!(await services.metadata.putBucketConfig(bucket, 'cors', rules))) throw noSuchBucket(bucket);
}

/** GetBucketCors: the bucket's rules, or 404 NoSuchCORSConfiguration. */
export async function getBucketCors(services: S3Services, bucket: string): Promise<CorsRule[]> {
  const record = await requireBucket(services, bucket);
  const rules = record.configs?.cors;
  if (rules === undefined || rules.length === 0) {
    throw new S3Error('NoSuchCORSConfiguration', { detail: { BucketName: bucket } });
  }
  return rules;
}

/** DeleteBucketCors: removes the rules; a bucket without any is no error (S3 answers 204 too). */
export async function deleteBucketCors(services: S3Services, bucket: string): Promise<void> {
  await requireBucket(services, bucket);
  await services.metadata.deleteBucketConfig(bucket, 'cors');
}

/** An OPTIONS request as the preflight reads it (header names lower-cased). */
export interface PreflightInput {
  bucket: string;
  /** The object the request names, if any: only the error's ResourceType depends on it. */
  key: string | undefined;
  headers: Record<string, string | undefined>;
}

/**
 * A CORS preflight (OPTIONS on a bucket or object), checked in S3's order: an Origin header (400
 * BadRequest), the bucket (403 AccessForbidden "Bucket not found"), CORS rules on it (403 "CORS is
 * not enabled"), a valid Access-Control-Request-Method (400 BadRequest), a rule that admits origin,
 * method and every requested header (403 AccessForbidden). Returns the headers of the 200 answer.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/RESTOPTIONSobject.html
 */
export async function answerPreflight(
  services: S3Services,
  input: PreflightInput,
): Promise<Record<string, string>> {
  const origin = input.headers.origin;
  if (origin === undefined) {
    throw new S3Error('BadRequest', { message: 'Insufficient information. Origin request header needed.' });
  }
  const requestMethod = input.headers['access-control-request-method'];
  const record = await services.metadata.getBucket(input.bucket);
  if (record === undefined) throw forbidden('CORSResponse: Bucket not found', requestMethod, 'BUCKET');
  const rules = record.configs?.cors ?? [];
  if (rules.length === 0) {
    throw forbidden('CORSResponse: CORS is not enabled for this bucket.', requestMethod, 'BUCKET');
  }
  if (requestMethod === undefined || !(CORS_METHODS as readonly string[]).includes(requestMethod)) {
    throw new S3Error('BadRequest', {
      message: `Invalid Access-Control-Request-Method: ${requestMethod ?? 'null'}`,
    });
  }
  const request: CorsRequest = {
    origin,
    method: requestMethod,
    headers: requestedHeaders(input.headers['access-control-request-headers']),
  };
  const rule = matchCorsRule(rules, request);
  if (rule === undefined) {
    throw forbidden(
      "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
      requestMethod,
      input.key === undefined ? 'BUCKET' : 'OBJECT',
    );
  }
  return corsResponseHeaders(rule, request);
}

/** A request that is not a preflight, as the CORS answer reads it (header names lower-cased). */
export interface ActualRequestInput {
  bucket: string;
  method: string;
  headers: Record<string, string | undefined>;
}

/**
 * The CORS headers of an actual (non-OPTIONS) request with an `Origin` header: those of the first
 * rule of the bucket that admits its origin and method (Access-Control-Request-Method and
 * -Headers, when a client sends them, are matched as in a preflight), else none. One cached bucket
 * read; nothing at all without an Origin.
 */
export async function actualRequestCorsHeaders(
  services: S3Services,
  input: ActualRequestInput,
): Promise<Record<string, string>> {
  const origin = input.headers.origin;
  if (origin === undefined) return {};
  const rules = (await services.metadata.getBucket(input.bucket))?.configs?.cors ?? [];
  if (rules.length === 0) return {};
  const request: CorsRequest = {
    origin,
    method: input.headers['access-control-request-method'] ?? input.method,
    headers: requestedHeaders(input.headers['access-control-request-headers']),
  };
  const rule = matchCorsRule(rules, request);
  return rule === undefined ? {} : corsResponseHeaders(rule, request);
}

function forbidden(message: string, method: string | undefined, resourceType: 'BUCKET' | 'OBJECT'): S3Error {
  return new S3Error('AccessForbidden', {
    message,
    detail: { Method: method ?? 'OPTIONS', ResourceType: resourceType },
  });
}

function noSuchBucket(bucket: string): S3Error {
  return new S3Error('NoSuchBucket', { resource: bucket, detail: { BucketName: bucket } });
}
