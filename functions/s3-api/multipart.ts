import type { ApiResult } from '../../layers/request-context.js';
import { requireBucket } from '../../shared/operations/buckets.js';
import { parseCopySource } from '../../shared/operations/copy-object.js';
import {
  abortMultipartUpload,
  completeMultipartUpload,
  createMultipartUpload,
  parsePartNumber,
  requireUpload,
  uploadPart,
  uploadPartCopy,
} from '../../shared/operations/multipart.js';
import { versionIdHeader } from '../../shared/operations/versions.js';
import type { S3Services } from '../../shared/runtime/runtime.js';
import { checksumHeaderName } from '../../shared/s3/checksums.js';
import { encryptionResponseHeaders } from '../../shared/s3/encryption.js';
import { S3Error } from '../../shared/s3/errors.js';
import { storageClassOf } from '../../shared/s3/storage-class.js';
import { xmlDocument } from '../../shared/s3/xml.js';
import { OWNER } from './buckets.js';
import { writeResponseHeaders } from './object-response-headers.js';
import { emptyResponse, xmlResponse } from './responses.js';
import type { S3Request } from './s3-request.js';

function uploadIdOf(request: S3Request): string {
  return request.query.get('uploadId') ?? '';
}

export async function handleCreateMultipartUpload(
  services: S3Services,
  request: S3Request,
  bucket: string,
  key: string,
): Promise<ApiResult> {
  const upload = await createMultipartUpload(services, { bucket, key, headers: request.headers });
  const headers: Record<string, string> = writeResponseHeaders(upload);
  if (upload.checksumAlgorithm) headers['x-amz-checksum-algorithm'] = upload.checksumAlgorithm;
  if (upload.checksumType) headers['x-amz-checksum-type'] = upload.checksumType;
  return xmlResponse(
    xmlDocument('InitiateMultipartUploadResult', { Bucket: bucket, Key: key, UploadId: upload.uploadId }),
    headers,
  );
}

export async function handleUploadPart(
  services: S3Services,
  request: S3Request,
  bucket: string,
  key: string,
): Promise<ApiResult> {
  const { part, upload } = await uploadPart(services, {
    bucket,
    key,
    uploadId: uploadIdOf(request),
    partNumber: parsePartNumber(request.query.get('partNumber') ?? undefined),
    headers: request.headers,
    rawBody: request.bodyStream() ?? request.body(),
  });
  const headers: Record<string, string> = { etag: part.etag, ...encryptionResponseHeaders(upload) };
  if (part.checksum) headers[checksumHeaderName(part.checksum.algorithm)] = part.checksum.value;
  return emptyResponse(200, headers);
}

export async function handleUploadPartCopy(
  services: S3Services,
  request: S3Request,
  bucket: string,
  key: string,
): Promise<ApiResult> {
  const { part, upload, copySourceVersionId } = await uploadPartCopy(services, {
    bucket,
    key,
    uploadId: uploadIdOf(request),
    partNumber: parsePartNumber(request.query.get('partNumber') ?? undefined),
    headers: request.headers,
    source: parseCopySource(request.headers['x-amz-copy-source']),
  });
  const checksum = part.checksum ? { [`Checksum${part.checksum.algorithm}`]: part.checksum.value } : {};
  return xmlResponse(
    xmlDocument('CopyPartResult', { LastModified: part.lastModified, ETag: part.etag, ...checksum }),
    {
      ...encryptionResponseHeaders(upload),
      ...(copySourceVersionId ? { 'x-amz-copy-source-version-id': copySourceVersionId } : {}),
    },
  );
}

export async function handleCompleteMultipartUpload(
  services: S3Services,
  request: S3Request,
  bucket: string,
  key: string,
): Promise<ApiResult> {
  const { object, bucket: bucketRecord } = await completeMultipartUpload(services, {
    bucket,
    key,
    uploadId: uploadIdOf(request),
    headers: request.headers,
    body: request.body(),
  });
  const checksum = object.checksum
    ? { [`Checksum${object.checksum.algorithm}`]: object.checksum.value, ChecksumType: object.checksum.type }
    : {};
  return xmlResponse(
    xmlDocument('CompleteMultipartUploadResult', {
      Location: `/${bucket}/${encodeURIComponent(key).replace(/%2F/g, '/')}`,
      Bucket: bucket,
      Key: key,
      ETag: object.etag,
      ...checksum,
    }),
    { ...writeResponseHeaders(object), ...versionIdHeader(bucketRecord, object) },
  );
}

export async function handleAbortMultipartUpload(
  services: S3Services,
  request: S3Request,
  bucket: string,
  key: string,
): Promise<ApiResult> {
  await abortMultipartUpload(services, { bucket, key, uploadId: uploadIdOf(request) });
  return emptyResponse(204);
}

export async function handleListParts(
  services: S3Services,
  request: S3Request,
  bucket: string,
  key: string,
): Promise<ApiResult> {
  const upload = await requireUpload(services, { bucket, key, uploadId: uploadIdOf(request) });
  const marker = integerParameter(request.query, 'part-number-marker', 0);
  const maxParts = Math.min(integerParameter(request.query, 'max-parts', 1000), 1000);
  const all = (await services.metadata.listParts(upload.uploadId)).filter((part) => part.partNumber > marker);
  const parts = all.slice(0, maxParts);
  const isTruncated = all.length > parts.length;
  return xmlResponse(
    xmlDocument('ListPartsResult', {
      Bucket: bucket,
      Key: key,
      UploadId: upload.uploadId,
      Initiator: OWNER,
      Owner: OWNER,
      StorageClass: storageClassOf(upload),
      PartNumberMarker: marker,
      ...(isTruncated ? { NextPartNumberMarker: parts.at(-1)!.partNumber } : {}),
      MaxParts: maxParts,
      IsTruncated: isTruncated,
      ...(upload.checksumAlgorithm ? { ChecksumAlgorithm: upload.checksumAlgorithm } : {}),
      ...(upload.checksumType ? { ChecksumType: upload.checksumType } : {}),
      Part: parts.map((part) => ({
        PartNumber: part.partNumber,
        LastModified: part.lastModified,
        ETag: part.etag,
        Size: part.size,
        ...(part.checksum ? { [`Checksum${part.checksum.algorithm}`]: part.checksum.value } : {}),
      })),
    }),
  );
}

export async function handleListMultipartUploads(
  services: S3Services,
  request: S3Request,
  bucket: string,
): Promise<ApiResult> {
  await requireBucket(services, bucket);
  const prefix = request.query.get('prefix') ?? '';
  const keyMarker = request.query.get('key-marker') ?? '';
  const uploadIdMarker = request.query.get('upload-id-marker') ?? '';
  const maxUploads = Math.min(integerParameter(request.query, 'max-uploads', 1000), 1000);
  const found = await services.metadata.listUploads({
    bucket,
    prefix,
    keyMarker,
    uploadIdMarker,
    limit: maxUploads + 1,
  });
  const uploads = found.slice(0, maxUploads);
  const isTruncated = found.length > uploads.length;
  const last = uploads.at(-1);
  return xmlResponse(
    xmlDocument('ListMultipartUploadsResult', {
      Bucket: bucket,
      KeyMarker: keyMarker,
      UploadIdMarker: uploadIdMarker,
      ...(isTruncated && last ? { NextKeyMarker: last.key, NextUploadIdMarker: last.uploadId } : {}),
      Prefix: prefix,
      MaxUploads: maxUploads,
      IsTruncated: isTruncated,
      Upload: uploads.map((upload) => ({
        Key: upload.key,
        UploadId: upload.uploadId,
        Initiator: OWNER,
        Owner: OWNER,
        StorageClass: storageClassOf(upload),
        Initiated: upload.initiated,
        ...(upload.checksumAlgorithm ? { ChecksumAlgorithm: upload.checksumAlgorithm } : {}),
        ...(upload.checksumType ? { ChecksumType: upload.checksumType } : {}),
      })),
    }),
  );
}

function integerParameter(query: URLSearchParams, name: string, fallback: number): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new S3Error('InvalidArgument', {
      message: `Invalid ${name}`,
      detail: { ArgumentName: name, ArgumentValue: raw },
    });
  }
  return value;
}
