/**
 * The body of a PutObject or UploadPart, as S3 reads it: aws-chunked decoding, then every
 * integrity check the request asks for (Content-MD5, a hex `x-amz-content-sha256`, one
 * `x-amz-checksum-*` header or trailer). Only the hashes that are needed are computed.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
 */
import type { ChecksumAlgorithm, StoredChecksum } from '../metadata/ports.js';
import { bodyTerminatedUnexpectedly, decodeAwsChunked } from './aws-chunked.js';
import {
  type ChecksumHeader,
  checksumAlgorithmOfHeader,
  DIGEST_LENGTH,
  decodeChecksum,
  digestBytes,
  findChecksumHeaders,
  type HashAlgorithm,
  isChecksumValueHeader,
  parseChecksumAlgorithm,
} from './checksums.js';
import { S3Error } from './errors.js';

export interface UploadBody {
  /** The payload, without any chunk framing. */
  body: Buffer;
  /** Hex MD5 of the payload: the ETag, unquoted. */
  md5Hex: string;
  /** The checksum the client sent (verified) or asked for (computed). */
  checksum?: StoredChecksum;
}

type Headers = Record<string, string | undefined>;

/** Whether the body is aws-chunked: S3 goes by `x-amz-content-sha256`; Content-Encoding decides only without it (presigned URLs). */
export function isAwsChunkedRequest(headers: Headers): boolean {
  const contentSha256 = headers['x-amz-content-sha256'];
  if (contentSha256 !== undefined) return contentSha256.startsWith('STREAMING-');
  return contentEncodings(headers['content-encoding']).includes('aws-chunked');
}

/**
 * The Content-Encoding to store: S3 drops `aws-chunked`, which describes the transfer, not the
 * object, and keeps the rest as the client wrote it (`aws-chunked,gzip` -> `gzip`;
 * `gzip, aws-chunked` -> `gzip`; `deflate, gzip` unchanged; `aws-chunked` alone -> undefined).
 */
export function storedContentEncoding(contentEncoding: string | undefined): string | undefined {
  if (contentEncoding === undefined) return undefined;
  const kept = contentEncoding
    .split(',')
    .filter((coding) => coding.trim() !== '' && coding.trim().toLowerCase() !== 'aws-chunked');
  const stored = kept.join(',').trim();
  return stored === '' ? undefined : stored;
}

function contentEncodings(value: string | undefined): string[] {
  return value === undefined ? [] : value.split(',').map((coding) => coding.trim().toLowerCase());
}

/**
 * Reads an upload body: decodes aws-chunked framing (signatures accepted, never verified),
 * checks `x-amz-decoded-content-length`, Content-MD5, a hex `x-amz-content-sha256` and the one
 * flexible checksum, and returns the payload with its MD5 and checksum.
 *
 * @param headers request headers, names lower-cased
 * @param raw the body as received
 * @throws S3Error InvalidDigest, BadDigest, XAmzContentSHA256Mismatch, InvalidRequest,
 *   InvalidArgument, IncompleteBody, MissingContentLength, MalformedTrailerError
 */
export function readUploadBody(headers: Headers, raw: Buffer): UploadBody {
  const checks = readUploadChecks(headers);
  let body = raw;
  let trailers: Record<string, string> = {};
  if (checks.awsChunked) {
    ({ body, trailers } = decodeAwsChunked(raw));
    if (String(body.length) !== checks.decodedLength) throw bodyTerminatedUnexpectedly();
  }
  const digests = new Map<HashAlgorithm, Buffer>();
  const digestOf = (algorithm: HashAlgorithm): Buffer => {
    let digest = digests.get(algorithm);
    if (digest === undefined) {
      digest = digestBytes(algorithm, body);
      digests.set(algorithm, digest);
    }
    return digest;
  };
  return { body, ...verifyUpload(headers, checks, trailers, digestOf) };
}

/** What an upload's headers ask to check, read before any byte of the body (upload-stream.ts too). */
export interface UploadChecks {
  /** The body is aws-chunked framed. */
  awsChunked: boolean;
  /** `x-amz-decoded-content-length`, trimmed (aws-chunked only). */
  decodedLength?: string;
  expectedMd5?: { value: string; bytes: Buffer };
  /** Hex, lower-cased. */
  expectedSha256?: string;
  headerChecksum?: GivenChecksum;
  /** Checksum trailers named in `x-amz-trailer`. */
  declaredTrailers: string[];
}

/**
 * Reads the integrity checks an upload's headers ask for, refusing malformed ones before any byte
 * is read.
 *
 * @throws S3Error InvalidDigest, InvalidArgument, MalformedTrailerError, InvalidRequest,
 *   MissingContentLength (aws-chunked without `x-amz-decoded-content-length`)
 */
export function readUploadChecks(headers: Headers): UploadChecks {
  const awsChunked = isAwsChunkedRequest(headers);
  const expectedMd5 = readContentMd5(headers['content-md5']);
  const expectedSha256 = readContentSha256(headers['x-amz-content-sha256']);
  const headerChecksums = findChecksumHeaders(headers);
  const declaredTrailers = checksumTrailerNames(headers['x-amz-trailer']);
  if (declaredTrailers.length > 0 && !awsChunked) throw new S3Error('MalformedTrailerError');
  if (headerChecksums.length + declaredTrailers.length > 1) throw multipleChecksums();
  const headerChecksum = headerChecksums[0] && readChecksumValue(headerChecksums[0], 'header');
  const decodedLength = headers['x-amz-decoded-content-length']?.trim();
  if (awsChunked && decodedLength === undefined) throw new S3Error('MissingContentLength');
  return {
    awsChunked,
    declaredTrailers,
    ...(awsChunked && { decodedLength }),
    ...(expectedMd5 && { expectedMd5 }),
    ...(expectedSha256 && { expectedSha256 }),
    ...(headerChecksum && { headerChecksum }),
  };
}

/**
 * The digests a check of these headers may need, known before the body: MD5 (the ETag), SHA-256
 * for a hex `x-amz-content-sha256`, the algorithm of a checksum header, declared trailer or
 * `x-amz-(sdk-)checksum-algorithm`. A streamed body computes these and no others.
 */
export function digestsToCompute(headers: Headers, checks: UploadChecks): Set<HashAlgorithm> {
  const algorithms = new Set<HashAlgorithm>(['MD5']);
  if (checks.expectedSha256 !== undefined) algorithms.add('SHA256');
  if (checks.headerChecksum) algorithms.add(checks.headerChecksum.algorithm);
  for (const name of checks.declaredTrailers) {
    const algorithm = checksumAlgorithmOfHeader(name);
    if (algorithm) algorithms.add(algorithm);
  }
  const named = headers['x-amz-sdk-checksum-algorithm'] ?? headers['x-amz-checksum-algorithm'];
  const requested = named === undefined ? undefined : parseChecksumAlgorithm(named);
  if (requested) algorithms.add(requested);
  return algorithms;
}

/** The ETag and checksum of a body that passed every check. */
export type VerifiedUpload = Omit<UploadBody, 'body'>;

/**
 * Checks a whole body against what its headers and trailers promised: the trailer checksum,
 * `x-amz-sdk-checksum-algorithm`, a hex `x-amz-content-sha256`, Content-MD5 and the flexible
 * checksum, in that order. `digestOf` gives the body's digests (computed at once, or on the stream).
 *
 * @throws S3Error BadDigest, XAmzContentSHA256Mismatch, InvalidRequest, MalformedTrailerError
 */
export function verifyUpload(
  headers: Headers,
  checks: UploadChecks,
  trailers: Record<string, string>,
  digestOf: (algorithm: HashAlgorithm) => Buffer,
): VerifiedUpload {
  const { expectedMd5, expectedSha256, headerChecksum } = checks;
  const trailerChecksum = readTrailerChecksum(checks.declaredTrailers, trailers);
  if (headerChecksum !== undefined && trailerChecksum !== undefined) throw multipleChecksums();
  const given = headerChecksum ?? trailerChecksum;
  const requested = requestedAlgorithm(headers, given);

  if (expectedSha256 !== undefined) {
    const computed = digestOf('SHA256').toString('hex');
    if (computed !== expectedSha256) {
      throw new S3Error('XAmzContentSHA256Mismatch', {
        detail: { ClientComputedContentSHA256: expectedSha256, S3ComputedContentSHA256: computed },
      });
    }
  }
  const md5 = digestOf('MD5');
  if (expectedMd5 !== undefined && !md5.equals(expectedMd5.bytes)) {
    throw new S3Error('BadDigest', {
      message: 'The Content-MD5 you specified did not match what we received.',
      detail: { ExpectedDigest: expectedMd5.value, CalculatedDigest: md5.toString('base64') },
    });
  }

  let checksum: StoredChecksum | undefined;
  if (given !== undefined) {
    if (!digestOf(given.algorithm).equals(given.bytes)) {
      throw new S3Error('BadDigest', {
        message: `The ${given.algorithm} you specified did not match the calculated checksum.`,
      });
    }
    checksum = { algorithm: given.algorithm, value: given.value, type: 'FULL_OBJECT' };
  } else if (requested !== undefined) {
    checksum = { algorithm: requested, value: digestOf(requested).toString('base64'), type: 'FULL_OBJECT' };
  }
  return { md5Hex: md5.toString('hex'), ...(checksum && { checksum }) };
}

interface GivenChecksum {
  algorithm: ChecksumAlgorithm;
  value: string;
  bytes: Buffer;
}

function multipleChecksums(): S3Error {
  return new S3Error('InvalidRequest', {
    message: 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.',
  });
}

function readContentMd5(value: string | undefined): { value: string; bytes: Buffer } | undefined {
  if (value === undefined) return undefined;
  const bytes = decodeChecksum('MD5', value.trim());
  if (bytes === undefined) throw new S3Error('InvalidDigest', { detail: { 'Content-MD5': value } });
  return { value, bytes };
}

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

/** The hex digest to verify, lower-cased; undefined for UNSIGNED-PAYLOAD and STREAMING-* values. */
function readContentSha256(value: string | undefined): string | undefined {
  if (value === undefined || value === 'UNSIGNED-PAYLOAD' || value.startsWith('STREAMING-')) return undefined;
  if (SHA256_HEX.test(value)) return value.toLowerCase();
  throw new S3Error('InvalidArgument', {
    message:
      'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, ' +
      'STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, ' +
      'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER ' +
      'or a valid sha256 value.',
    detail: { ArgumentName: 'x-amz-content-sha256', ArgumentValue: value },
  });
}

/** The checksum names declared in `x-amz-trailer` (other trailers are not ours to check). */
function checksumTrailerNames(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(isChecksumValueHeader);
}

function readChecksumValue(header: ChecksumHeader, where: 'header' | 'trailing header'): GivenChecksum {
  if (header.algorithm === undefined) {
    throw new S3Error('InvalidRequest', {
      message: 'The algorithm type you specified in x-amz-checksum- header is invalid.',
    });
  }
  const value = header.value.trim();
  const bytes = decodeChecksum(header.algorithm, value);
  if (bytes === undefined || bytes.length !== DIGEST_LENGTH[header.algorithm]) {
    throw new S3Error('InvalidRequest', { message: `Value for ${header.name} ${where} is invalid.` });
  }
  return { algorithm: header.algorithm, value, bytes };
}

function readTrailerChecksum(
  declared: string[],
  trailers: Record<string, string>,
): GivenChecksum | undefined {
  // A checksum trailer the client sent without declaring it is still checked.
  const names = new Set([...declared, ...Object.keys(trailers).filter(isChecksumValueHeader)]);
  if (names.size > 1) throw multipleChecksums();
  const [name] = names;
  if (name === undefined) return undefined;
  const value = trailers[name];
  // S3's answer when x-amz-trailer promises a trailer the body does not carry.
  if (value === undefined) throw new S3Error('MalformedTrailerError');
  return readChecksumValue({ name, algorithm: checksumAlgorithmOfHeader(name), value }, 'trailing header');
}

/**
 * The algorithm the client named in `x-amz-sdk-checksum-algorithm` or `x-amz-checksum-algorithm`.
 * S3 rejects an SDK algorithm that disagrees with the checksum sent, or that comes with no
 * checksum at all; `x-amz-checksum-algorithm` alone asks S3 to compute it.
 */
function requestedAlgorithm(
  headers: Headers,
  given: GivenChecksum | undefined,
): ChecksumAlgorithm | undefined {
  const sdkName = headers['x-amz-sdk-checksum-algorithm'];
  const name = sdkName ?? headers['x-amz-checksum-algorithm'];
  if (name === undefined) return undefined;
  const headerName = sdkName === undefined ? 'x-amz-checksum-algorithm' : 'x-amz-sdk-checksum-algorithm';
  const algorithm = parseChecksumAlgorithm(name);
  if (algorithm === undefined) {
    throw new S3Error('InvalidRequest', {
      message:
        'Checksum algorithm provided is unsupported. Please try again with any of the valid types: ' +
        '[CRC32, CRC32C, CRC64NVME, SHA1, SHA256]',
    });
  }
  if (given !== undefined && given.algorithm !== algorithm) {
    throw new S3Error('InvalidRequest', { message: `Value for ${headerName} header is invalid.` });
  }
  if (given === undefined && sdkName !== undefined) {
    throw new S3Error('InvalidRequest', {
      message:
        'x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.',
    });
  }
  return algorithm;
}
