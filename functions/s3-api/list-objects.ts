import type { ApiResult } from '../../layers/request-context.js';
import type { ObjectRecord, ObjectVersion } from '../../shared/metadata/ports.js';
import { type ListPage, listObjectsPage } from '../../shared/operations/list-objects.js';
import { listVersionsPage } from '../../shared/operations/list-versions.js';
import { shownVersionId } from '../../shared/operations/versions.js';
import type { S3Services } from '../../shared/runtime/runtime.js';
import { S3Error } from '../../shared/s3/errors.js';
import { storageClassOf } from '../../shared/s3/storage-class.js';
import { xmlDocument } from '../../shared/s3/xml.js';
import { OWNER } from './buckets.js';
import { xmlResponse } from './responses.js';
import type { S3Request } from './s3-request.js';

const MAX_KEYS = 1000;

interface ListParameters {
  prefix: string;
  delimiter: string;
  maxKeys: number;
  encode: (text: string) => string;
  encodingType: string | undefined;
}

function listParameters(query: URLSearchParams, maxKeysName = 'max-keys'): ListParameters {
  const rawMax = query.get(maxKeysName);
  const maxKeys = rawMax === null ? MAX_KEYS : Number(rawMax);
  if (!Number.isInteger(maxKeys) || maxKeys < 0) {
    throw new S3Error('InvalidArgument', {
      message: 'Provided max-keys not an integer or within integer range',
      detail: { ArgumentName: maxKeysName, ArgumentValue: rawMax ?? '' },
    });
  }
  const encodingType = query.get('encoding-type') ?? undefined;
  if (encodingType !== undefined && encodingType !== 'url') {
    throw new S3Error('InvalidArgument', {
      message: 'Invalid Encoding Method specified in Request',
      detail: { ArgumentName: 'encoding-type', ArgumentValue: encodingType },
    });
  }
  return {
    prefix: query.get('prefix') ?? '',
    delimiter: query.get('delimiter') ?? '',
    maxKeys: Math.min(maxKeys, MAX_KEYS),
    encode: encodingType === 'url' ? urlEncode : (text) => text,
    encodingType,
  };
}

/**
 * `encoding-type=url`: like encodeURIComponent, but `/` stays readable as S3 leaves it. Decoders
 * that treat `+` as a space (botocore's unquote_plus) still work, since `+` itself is encoded.
 */
function urlEncode(text: string): string {
  return encodeURIComponent(text).replace(/%2F/g, '/');
}

/** Continuation tokens are opaque: the last key or common prefix, base64url-encoded with a flag. */
function encodeToken(last: NonNullable<ListPage['last']>): string {
  return Buffer.from(`${last.isPrefix ? 'p' : 'k'}${last.value}`, 'utf8').toString('base64url');
}

function decodeToken(token: string): { value: string; isPrefix: boolean } {
  const text = Buffer.from(token, 'base64url').toString('utf8');
  // A token we issued never holds NUL (no stored key can): one that does is forged.
  if (
    !/^[pk]/.test(text) ||
    text.includes('\u0000') ||
    Buffer.from(text, 'utf8').toString('base64url') !== token.replace(/=+$/, '')
  ) {
    throw new S3Error('InvalidArgument', {
      message: 'The continuation token provided is incorrect',
      detail: { ArgumentName: 'continuation-token' },
    });
  }
  return { value: text.slice(1), isPrefix: text[0] === 'p' };
}

function contents(objects: ObjectRecord[], encode: (text: string) => string, withOwner: boolean) {
  return objects.map((object) => ({
    Key: encode(object.key),
    LastModified: object.lastModified,
    ETag: object.etag,
    ...(object.checksum
      ? { ChecksumAlgorithm: object.checksum.algorithm, ChecksumType: object.checksum.type }
      : {}),
    Size: object.size,
    ...(withOwner ? { Owner: OWNER } : {}),
    StorageClass: storageClassOf(object),
  }));
}

export async function handleListObjectsV2(
  services: S3Services,
  request: S3Request,
  bucket: string,
): Promise<ApiResult> {
  const { query } = request;
  const parameters = listParameters(query);
  // An empty token names no position: the listing starts from the beginning, as without one.
  const token = query.get('continuation-token') || null;
  const startAfter = query.get('start-after') ?? '';
  const cursor = token !== null ? decodeToken(token) : { value: startAfter, isPrefix: false };
  const page = await listObjectsPage(services, {
    bucket,
    prefix: parameters.prefix,
    delimiter: parameters.delimiter,
    after: cursor.value,
    afterIsPrefix: cursor.isPrefix,
    maxKeys: parameters.maxKeys,
  });
  const { encode } = parameters;
  return xmlResponse(
    xmlDocument('ListBucketResult', {
      Name: bucket,
      Prefix: encode(parameters.prefix),
      ...(startAfter ? { StartAfter: encode(startAfter) } : {}),
      ...(token !== null ? { ContinuationToken: token } : {}),
      ...(page.isTruncated && page.last ? { NextContinuationToken: encodeToken(page.last) } : {}),
      KeyCount: page.objects.length + page.commonPrefixes.length,
      ...listingTail(parameters, page),
      Contents: contents(page.objects, encode, query.get('fetch-owner') === 'true'),
      CommonPrefixes: commonPrefixes(parameters, page),
    }),
  );
}

/**
 * A page after a v1 `marker` or a `key-marker`: a marker that ends with the delimiter is a common
 * prefix returned on the previous page, so every key under it is skipped.
 */
function pageAfterMarker(services: S3Services, bucket: string, parameters: ListParameters, marker: string) {
  return listObjectsPage(services, {
    bucket,
    prefix: parameters.prefix,
    delimiter: parameters.delimiter,
    after: marker,
    afterIsPrefix:
      parameters.delimiter !== '' &&
      marker.endsWith(parameters.delimiter) &&
      marker.startsWith(parameters.prefix),
    maxKeys: parameters.maxKeys,
  });
}

/** The elements every listing ends with, in S3's order. */
function listingTail(parameters: ListParameters, page: Pick<ListPage, 'isTruncated'>) {
  const { encode } = parameters;
  return {
    MaxKeys: parameters.maxKeys,
    ...(parameters.delimiter ? { Delimiter: encode(parameters.delimiter) } : {}),
    ...(parameters.encodingType ? { EncodingType: parameters.encodingType } : {}),
    IsTruncated: page.isTruncated,
  };
}

function commonPrefixes(parameters: ListParameters, page: ListPage) {
  return page.commonPrefixes.map((prefix) => ({ Prefix: parameters.encode(prefix) }));
}

/** ListObjects (v1): `marker`; NextMarker only when a delimiter is given, as S3 does. */
export async function handleListObjectsV1(
  services: S3Services,
  request: S3Request,
  bucket: string,
): Promise<ApiResult> {
  const parameters = listParameters(request.query);
  const marker = request.query.get('marker') ?? '';
  const page = await pageAfterMarker(services, bucket, parameters, marker);
  const { encode } = parameters;
  return xmlResponse(
    xmlDocument('ListBucketResult', {
      Name: bucket,
      // ListObjects v1 sends Prefix as given even with encoding-type=url: botocore, which asks for
      // url encoding on every listing, decodes Marker, NextMarker, Delimiter and keys but not it.
      Prefix: parameters.prefix,
      Marker: encode(marker),
      ...(page.isTruncated && parameters.delimiter && page.last
        ? { NextMarker: encode(page.last.value) }
        : {}),
      ...listingTail(parameters, page),
      Contents: contents(page.objects, encode, true),
      CommonPrefixes: commonPrefixes(parameters, page),
    }),
  );
}

/**
 * ListObjectVersions: Version and DeleteMarker elements in one sequence, in the store's order (key
 * by bytes, newest first), with key-marker / version-id-marker paging. A never-versioned bucket
 * lists its objects as null versions.
 */
export async function handleListObjectVersions(
  services: S3Services,
  request: S3Request,
  bucket: string,
): Promise<ApiResult> {
  const { query } = request;
  const parameters = listParameters(query);
  const keyMarker = query.get('key-marker') ?? '';
  const versionIdMarker = query.get('version-id-marker') ?? '';
  const page = await listVersionsPage(services, {
    bucket,
    prefix: parameters.prefix,
    delimiter: parameters.delimiter,
    keyMarker,
    ...(versionIdMarker ? { versionIdMarker } : {}),
    maxKeys: parameters.maxKeys,
  });
  const { encode } = parameters;
  const next = page.isTruncated ? page.next : undefined;
  return xmlResponse(
    xmlDocument('ListVersionsResult', [
      {
        Name: bucket,
        Prefix: encode(parameters.prefix),
        KeyMarker: encode(keyMarker),
        VersionIdMarker: versionIdMarker,
        ...(next ? { NextKeyMarker: encode(next.keyMarker) } : {}),
        ...(next?.versionIdMarker ? { NextVersionIdMarker: next.versionIdMarker } : {}),
        ...listingTail(parameters, { isTruncated: page.isTruncated }),
      },
      ...page.versions.map((version) => versionElement(version, encode)),
      { CommonPrefixes: page.commonPrefixes.map((prefix) => ({ Prefix: encode(prefix) })) },
    ]),
  );
}

/** One `<Version>` or `<DeleteMarker>`, with the elements S3 gives each. */
function versionElement(version: ObjectVersion, encode: (text: string) => string) {
  const { object } = version;
  const head = {
    Key: encode(object.key),
    VersionId: shownVersionId(object),
    IsLatest: version.isLatest,
    LastModified: object.lastModified,
  };
  if (version.deleteMarker) return { DeleteMarker: { ...head, Owner: OWNER } };
  return {
    Version: {
      ...head,
      ETag: object.etag,
      ...(object.checksum
        ? { ChecksumAlgorithm: object.checksum.algorithm, ChecksumType: object.checksum.type }
        : {}),
      Size: object.size,
      StorageClass: object.storageClass ?? 'STANDARD',
      Owner: OWNER,
    },
  };
}
