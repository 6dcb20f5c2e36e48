import type { ApiResult } from '../../layers/request-context.js';
import type { AccessControlPolicy, Grant } from '../../shared/metadata/ports.js';
import {
  deleteBucketOwnership,
  getBucketAcl,
  getBucketOwnership,
  getObjectAcl,
  putBucketAcl,
  putBucketOwnership,
  putObjectAcl,
} from '../../shared/operations/acl.js';
import { versionIdHeader } from '../../shared/operations/versions.js';
import type { S3Services } from '../../shared/runtime/runtime.js';
import { parseOwnershipControls } from '../../shared/s3/object-ownership.js';
import { type XmlElement, xmlDocument } from '../../shared/s3/xml.js';
import { OWNER } from './buckets.js';
import { emptyResponse, xmlResponse } from './responses.js';
import type { S3Request } from './s3-request.js';
import { requestedVersionId, requestXml } from './sub-resource-request.js';

const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

/** `<Grantee xmlns:xsi="..." xsi:type="...">` as S3 writes it, then the grantee's one identifier. */
function granteeXml(grantee: Grant['grantee']): XmlElement {
  const attributes = { 'xmlns:xsi': XSI, 'xsi:type': grantee.type };
  switch (grantee.type) {
    case 'CanonicalUser':
      return { '@': attributes, ID: grantee.id, DisplayName: grantee.displayName };
    case 'Group':
      return { '@': attributes, URI: grantee.uri };
    case 'AmazonCustomerByEmail':
      return { '@': attributes, EmailAddress: grantee.emailAddress };
  }
}

function accessControlPolicyXml(acl: AccessControlPolicy): string {
  return xmlDocument('AccessControlPolicy', {
    Owner: OWNER,
    AccessControlList: {
      Grant: acl.grants.map((grant) => ({
        Grantee: granteeXml(grant.grantee),
        Permission: grant.permission,
      })),
    },
  });
}

export async function handleGetObjectAcl(
  services: S3Services,
  request: S3Request,
  bucket: string,
  key: string,
): Promise<ApiResult> {
  const found = await getObjectAcl(services, {
    bucket,
    key,
    versionId: requestedVersionId(request),
    method: 'GET',
  });
  return xmlResponse(accessControlPolicyXml(found.acl), versionIdHeader(found.bucket, found.object));
}

export async function handlePutObjectAcl(
  services: S3Services,
  request: S3Request,
  bucket: string,
  key: string,
): Promise<ApiResult> {
  const put = await putObjectAcl(
    services,
    { bucket, key, versionId: requestedVersionId(request), method: 'PUT' },
    { headers: request.headers, body: requestXml(request) },
  );
  return emptyResponse(200, versionIdHeader(put.bucket, put.object));
}

export async function handleGetBucketAcl(
  services: S3Services,
  _request: S3Request,
  bucket: string,
): Promise<ApiResult> {
  return xmlResponse(accessControlPolicyXml(await getBucketAcl(services, bucket)));
}

export async function handlePutBucketAcl(
  services: S3Services,
  request: S3Request,
  bucket: string,
): Promise<ApiResult> {
  await putBucketAcl(services, bucket, request.headers, requestXml(request));
  return emptyResponse(200);
}

export async function handlePutBucketOwnershipControls(
  services: S3Services,
  request: S3Request,
  bucket: string,
): Promise<ApiResult> {
  await putBucketOwnership(services, bucket, parseOwnershipControls(requestXml(request)));
  return emptyResponse(200);
}

export async function handleGetBucketOwnershipControls(
  services: S3Services,
  _request: S3Request,
  bucket: string,
): Promise<ApiResult> {
  const ownership = await getBucketOwnership(services, bucket);
  return xmlResponse(xmlDocument('OwnershipControls', { Rule: { ObjectOwnership: ownership } }));
}

export async function handleDeleteBucketOwnershipControls(
  services: S3Services,
  _request: S3Request,
  bucket: string,
): Promise<ApiResult> {
  await deleteBucketOwnership(services, bucket);
  return emptyResponse(204);
}
