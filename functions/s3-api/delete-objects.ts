import type { ApiResult } from '../../layers/request-context.js';
import {
  type DeleteOutcome,
  type DeleteResult,
  deleteObject,
  deleteObjects,
} from '../../shared/operations/delete-object.js';
import type { S3Services } from '../../shared/runtime/runtime.js';
import { readCheckedBody } from '../../shared/s3/checked-body.js';
import { parseDeleteObjects } from '../../shared/s3/request-xml.js';
import { xmlDocument } from '../../shared/s3/xml.js';
import { emptyResponse, xmlResponse } from './responses.js';
import type { S3Request } from './s3-request.js';

/** DeleteObject, `?versionId=` included; the headers say what it did, as S3's do. */
export async function handleDeleteObject(
  services: S3Services,
  request: S3Request,
  bucket: string,
  key: string,
): Promise<ApiResult> {
  const outcome = await deleteObject(services, bucket, key, request.query.get('versionId') ?? undefined);
  return emptyResponse(204, deleteHeaders(outcome));
}

function deleteHeaders(outcome: DeleteOutcome): Record<string, string> {
  return {
    ...(outcome.deleteMarker ? { 'x-amz-delete-marker': 'true' } : {}),
    ...(outcome.versionId !== undefined ? { 'x-amz-version-id': outcome.versionId } : {}),
  };
}

/** DeleteObjects: the body must carry Content-MD5 or a checksum; quiet mode reports only the failures. */
export async function handleDeleteObjects(
  services: S3Services,
  request: S3Request,
  bucket: string,
): Promise<ApiResult> {
  const { quiet, objects } = parseDeleteObjects(readCheckedBody(request.headers, request.body()));
  const results = await deleteObjects(services, bucket, objects);
  const deleted = quiet ? [] : results.filter((result) => !result.error).map(deletedElement);
  const errors = results
    .filter((result) => result.error)
    .map((result) => ({
      Key: result.key,
      VersionId: result.versionId,
      Code: result.error!.code,
      Message: result.error!.message,
    }));
  return xmlResponse(xmlDocument('DeleteResult', { Deleted: deleted, Error: errors }));
}

/**
 * One `<Deleted>` as S3 writes it: the VersionId the entry named; DeleteMarker and
 * DeleteMarkerVersionId when a marker was made (its id) or the version removed was one (that id).
 */
function deletedElement(result: DeleteResult) {
  const marker = result.outcome?.deleteMarker === true;
  return {
    Key: result.key,
    VersionId: result.versionId,
    DeleteMarker: marker ? true : undefined,
    DeleteMarkerVersionId: marker ? result.outcome?.versionId : undefined,
  };
}
