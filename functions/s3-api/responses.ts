import { attachBodyStream, attachRawBody, type StreamedBody } from '../../layers/binary-body.js';
import type { ApiResult } from '../../layers/request-context.js';

export const XML_CONTENT_TYPE = 'application/xml';

export function xmlResponse(xml: string, headers: Record<string, string> = {}, statusCode = 200): ApiResult {
  return { statusCode, headers: { 'content-type': XML_CONTENT_TYPE, ...headers }, body: xml };
}

export function emptyResponse(statusCode: number, headers: Record<string, string> = {}): ApiResult {
  return { statusCode, headers: { 'content-length': '0', ...headers }, body: '' };
}

/** Object bytes: base64 in the API Gateway result, handed over as they are to an in-process host. */
export function bytesResponse(statusCode: number, bytes: Buffer, headers: Record<string, string>): ApiResult {
  return attachRawBody({ statusCode, headers }, bytes);
}

/** Object bytes as a stream: written as they are read by a host that can stream, else buffered. */
export function streamedResponse(
  statusCode: number,
  body: StreamedBody,
  headers: Record<string, string>,
): ApiResult {
  return attachBodyStream({ statusCode, headers }, body);
}
