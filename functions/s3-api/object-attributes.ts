import type { ApiResult } from '../../layers/request-context.js';
import type { ObjectRecord } from '../../shared/metadata/ports.js';
import { requireBucket } from '../../shared/operations/buckets.js';
import { requireObjectVersion } from '../../shared/operations/read-object.js';
import type { S3Services } from '../../shared/runtime/runtime.js';
import { assertReadableWith } from '../../shared/s3/encryption.js';
import { S3Error } from '../../shared/s3/errors.js';
import { storageClassOf } from '../../shared/s3/storage-class.js';
import { type XmlElement, xmlDocument } from '../../shared/s3/xml.js';
import { xmlResponse } from './responses.js';
import type { S3Request } from './s3-request.js';

/** The attributes `x-amz-object-attributes` may name. */
const OBJECT_ATTRIBUTES = ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'] as const;
type ObjectAttribute = (typeof OBJECT_ATTRIBUTES)[number];
const MAX_PARTS = 1000;

/**
 * GetObjectAttributes (`GET /key?attributes`): the attributes `x-amz-object-attributes` names, in
 * S3's element order, with Last-Modified (and `x-amz-version-id` in a versioned bucket) as headers.
 * ObjectParts lists the parts of a multipart object only when its checksum is COMPOSITE (each part
 * has its own checksum then), paged by `x-amz-max-parts` / `x-amz-part-number-marker`; otherwise it
 * holds PartsCount alone, as S3 answers.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAttributes.html
 */
export async function handleGetObjectAttributes(
  services: S3Services,
  request: S3Request,
  bucket: string,
  key: string,
): Promise<ApiResult> {
  const attributes = requestedAttributes(request.headers['x-amz-object-attributes']);
  const maxParts = Math.min(integerHeader(request.headers, 'x-amz-max-parts', MAX_PARTS), MAX_PARTS);
  const marker = integerHeader(request.headers, 'x-amz-part-number-marker', 0);
  const bucketRecord = await requireBucket(services, bucket);
  const object = await requireObjectVersion(
    services,
    bucket,
    key,
    request.query.get('versionId') ?? undefined,
  );
  assertReadableWith(request.headers, object);
  const checksum = object.checksum;
  const body: XmlElement = {
    ETag: attributes.has('ETag') ? object.etag.replace(/^"|"$/g, '') : undefined,
    Checksum:
      attributes.has('Checksum') && checksum
        ? {
            // A composite checksum without GetObject's `-N`.
            [`Checksum${checksum.algorithm}`]: checksum.value.replace(/-\d+$/, ''),
            ChecksumType: checksum.type,
          }
        : undefined,
    ObjectParts: attributes.has('ObjectParts') ? objectParts(object, maxParts, marker) : undefined,
    StorageClass: attributes.has('StorageClass') ? storageClassOf(object) : undefined,
    ObjectSize: attributes.has('ObjectSize') ? object.size : undefined,
  };
  const headers: Record<string, string> = { 'last-modified': object.lastModified.toUTCString() };
  if (bucketRecord.versioning !== undefined) headers['x-amz-version-id'] = object.versionId ?? 'null';
  return xmlResponse(xmlDocument('GetObjectAttributesResponse', body), headers);
}

/** The header's attribute names (comma-separated, also over repeated headers joined by commas). */
function requestedAttributes(header: string | undefined): Set<ObjectAttribute> {
  const names = (header ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (names.length === 0) {
    throw new S3Error('InvalidRequest', {
      message:
        'The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty',
    });
  }
  for (const name of names) {
    if (!(OBJECT_ATTRIBUTES as readonly string[]).includes(name)) {
      throw new S3Error('InvalidArgument', {
        message: 'Invalid attribute name specified.',
        detail: { ArgumentName: 'x-amz-object-attributes', ArgumentValue: name },
      });
    }
  }
  return new Set(names as ObjectAttribute[]);
}

function integerHeader(headers: Record<string, string>, name: string, fallback: number): number {
  const raw = headers[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d{1,10}$/.test(raw.trim()) || value > 2 ** 31 - 1) {
    throw new S3Error('InvalidArgument', {
      message: `Provided ${name} not an integer or within integer range`,
      detail: { ArgumentName: name, ArgumentValue: raw },
    });
  }
  return value;
}

/** ObjectParts of a multipart object (absent for a single-part one); parts are numbered 1..N. */
function objectParts(object: ObjectRecord, maxParts: number, marker: number): XmlElement | undefined {
  if (object.partsCount === undefined) return undefined;
  const checksum = object.checksum;
  if (checksum?.type !== 'COMPOSITE') return { PartsCount: object.partsCount };
  const numbered = object.segments.map((segment, index) => ({ number: index + 1, segment }));
  const page = numbered.filter((part) => part.number > marker).slice(0, maxParts);
  const last = page.at(-1);
  return {
    PartsCount: object.partsCount,
    PartNumberMarker: marker,
    NextPartNumberMarker: last?.number ?? 0,
    MaxParts: maxParts,
    IsTruncated: last !== undefined && last.number < numbered.length,
    Part: page.map(({ number, segment }) => ({
      PartNumber: number,
      Size: segment.size,
      ...(segment.checksum !== undefined ? { [`Checksum${checksum.algorithm}`]: segment.checksum } : {}),
    })),
  };
}
