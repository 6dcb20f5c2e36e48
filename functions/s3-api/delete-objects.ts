import type { ApiResult } from '../../layers/request-context.js';
import { deleteObject, deleteObjects } from '../../shared/operations/delete-object.js';
import type { S3Services } from '../../shared/runtime/runtime.js';
import { readCheckedBody } from '../../shared/s3/checked-body.js';
import { parseDeleteObjects } from '../../shared/s3/request-xml.js';
import { xmlDocument } from '../../shared/s3/xml.js';
import { emptyResponse, xmlResponse } from './responses.js';
import type { S3Request } from './s3-request.js';

export async function handleDeleteObject(
  services: S3Services,
  bucket: string,
  key: string,
): Promise<ApiResult> {
  await deleteObject(services, bucket, key);
  return emptyResponse(204);
}

/** DeleteObjects: the body must carry Content-MD5 or a checksum; quiet mode reports only the failures. */
export async function handleDeleteObjects(
  services: S3Services,
  request: S3Request,
  bucket: string,
): Promise<ApiResult> {
  const { quiet, objects } = parseDeleteObjects(readCheckedBody(request.headers, request.body()));
  const results = await deleteObjects(
    services,
    bucket,
    objects.map((object) => object.key),
  );
  const deleted = quiet
    ? []
    : results.filter((result) => !result.error).map((result) => ({ Key: result.key }));
  const errors = results
    .filter((result) => result.error)
    .map((result) => ({ Key: result.key, Code: result.error!.code, Message: result.error!.message }));
  return xmlResponse(xmlDocument('DeleteResult', { Deleted: deleted, Error: errors }));
}
