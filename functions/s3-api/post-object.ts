import type { ApiResult } from '../../layers/request-context.js';
import { fieldValue, postObject } from '../../shared/operations/post-object.js';
import { versionIdHeader } from '../../shared/operations/versions.js';
import type { S3Services } from '../../shared/runtime/runtime.js';
import { xmlElement } from '../../shared/s3/xml.js';
import { checksumResponseHeaders, writeResponseHeaders } from './object-response-headers.js';
import { emptyResponse, xmlResponse } from './responses.js';
import type { S3Request } from './s3-request.js';

/**
 * POST Object (a browser form upload to the bucket URL). The answer is what the form asks for: a
 * 303 to `success_action_redirect` (or the deprecated `redirect`) with bucket, key and etag in its
 * query; else `success_action_status` 200 (empty), 201 (a PostResponse document) or 204, the
 * default, also for any other value. ETag and Location headers on each, and `x-amz-version-id` in
 * a bucket that is or was versioned.
 */
export async function handlePostObject(
  services: S3Services,
  request: S3Request,
  bucket: string,
): Promise<ApiResult> {
  const {
    object,
    bucket: record,
    fields,
  } = await postObject(services, {
    bucket,
    headers: request.headers,
    body: request.body(),
  });
  const location = objectUrl(request, bucket, object.key);
  const headers = {
    etag: object.etag,
    location,
    ...checksumResponseHeaders(object),
    ...writeResponseHeaders(object),
    ...versionIdHeader(record, object),
  };
  const redirect = redirectUrl(
    fieldValue(fields, 'success_action_redirect') ?? fieldValue(fields, 'redirect'),
  );
  if (redirect !== undefined) {
    const query = new URLSearchParams({ bucket, key: object.key, etag: object.etag }).toString();
    const separator = redirect.includes('?') ? '&' : '?';
    return emptyResponse(303, { ...headers, location: `${redirect}${separator}${query}` });
  }
  const status = fieldValue(fields, 'success_action_status');
  if (status === '201') {
    // S3's PostResponse carries no namespace.
    const document = xmlElement('PostResponse', {
      Location: location,
      Bucket: bucket,
      Key: object.key,
      ETag: object.etag,
    });
    return xmlResponse(`<?xml version="1.0" encoding="UTF-8"?>\n${document}`, headers, 201);
  }
  return emptyResponse(status === '200' ? 200 : 204, headers);
}

/** An absolute http(s) URL; anything else S3 "cannot interpret" and acts as if the field were absent. */
function redirectUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The object's URL as the client addressed the bucket (path or virtual-host style), the key encoded. */
function objectUrl(request: S3Request, bucket: string, key: string): string {
  const host = request.headers.host ?? 'localhost';
  const scheme = request.headers['x-forwarded-proto'] ?? 'http';
  const virtualHost = host.toLowerCase().startsWith(`${bucket}.`);
  const path = virtualHost ? `/${encodeURIComponent(key)}` : `/${bucket}/${encodeURIComponent(key)}`;
  return `${scheme}://${host}${path}`;
}
