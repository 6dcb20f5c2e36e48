/**
 * Checksums as S3 computes and encodes them: MD5 ETags, the flexible checksums
 * (CRC32, CRC32C, CRC64NVME, SHA1, SHA256), composite multipart checksums and full-object CRCs
 * combined from part CRCs. https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { CHECKSUM_ALGORITHMS, type ChecksumAlgorithm } from '../metadata/ports.js';
import { Crc32c } from './crc32c.js';
import { Crc64Nvme } from './crc64nvme.js';

export type HashAlgorithm = ChecksumAlgorithm | 'MD5';
export type CrcAlgorithm = 'CRC32' | 'CRC32C' | 'CRC64NVME';

export interface Hasher {
  update(chunk: Buffer): void;
  /** The digest bytes, big-endian for the CRCs, as S3 base64-encodes them. */
  digest(): Buffer;
}

/** Digest length in bytes per algorithm: a checksum value of another length is malformed. */
export const DIGEST_LENGTH = {
  CRC32: 4,
  CRC32C: 4,
  CRC64NVME: 8,
  SHA1: 20,
  SHA256: 32,
  MD5: 16,
} as const satisfies Record<HashAlgorithm, number>;

/** Creates an incremental hasher for one of S3's checksum algorithms, or MD5 for ETags. */
export function createHasher(algorithm: HashAlgorithm): Hasher {
  switch (algorithm) {
    case 'CRC32':
      return crc32Hasher();
    case 'CRC32C':
      return new Crc32c();
    case 'CRC64NVME':
      return new Crc64Nvme();
    case 'SHA1':
    case 'SHA256':
    case 'MD5': {
      const hash = createHash(algorithm.toLowerCase());
      return {
        update: (chunk) => {
          hash.update(chunk);
        },
        digest: () => hash.digest(),
      };
    }
  }
}

function crc32Hasher(): Hasher {
  let value = 0;
  return {
    update: (chunk) => {
      value = crc32(chunk, value);
    },
    digest: () => {
      const out = Buffer.allocUnsafe(4);
      out.writeUInt32BE(value >>> 0, 0);
      return out;
    },
  };
}

/** The digest of `bytes`, raw. */
export function digestBytes(algorithm: HashAlgorithm, bytes: Buffer): Buffer {
  const hasher = createHasher(algorithm);
  hasher.update(bytes);
  return hasher.digest();
}

/** The checksum of `bytes` as S3 sends it in `x-amz-checksum-*` (base64 of the digest). */
export function checksumBase64(algorithm: HashAlgorithm, bytes: Buffer): string {
  return digestBytes(algorithm, bytes).toString('base64');
}

/** Hex MD5 of `bytes`: the ETag of a single-part object, without quotes. */
export function md5Hex(bytes: Buffer): string {
  return createHash('md5').update(bytes).digest('hex');
}

/**
 * The name of the header that carries a checksum of this algorithm, e.g. `x-amz-checksum-crc32`.
 */
export function checksumHeaderName(algorithm: ChecksumAlgorithm): string {
  return `x-amz-checksum-${algorithm.toLowerCase()}`;
}

/** Reads an algorithm name as S3 accepts it (case-insensitive); undefined when unknown. */
export function parseChecksumAlgorithm(name: string): ChecksumAlgorithm | undefined {
  const upper = name.trim().toUpperCase();
  return CHECKSUM_ALGORITHMS.find((algorithm) => algorithm === upper);
}

const CHECKSUM_HEADER_PREFIX = 'x-amz-checksum-';
/** `x-amz-checksum-*` headers that say something about checksums without carrying one. */
const NON_VALUE_CHECKSUM_HEADERS = new Set([
  'x-amz-checksum-algorithm',
  'x-amz-checksum-type',
  'x-amz-checksum-mode',
]);

/** Whether a (lower-cased) header name is a checksum-value header, known algorithm or not. */
export function isChecksumValueHeader(name: string): boolean {
  return name.startsWith(CHECKSUM_HEADER_PREFIX) && !NON_VALUE_CHECKSUM_HEADERS.has(name);
}

/** The algorithm of a checksum-value header name, e.g. `x-amz-checksum-crc32` -> `CRC32`. */
export function checksumAlgorithmOfHeader(name: string): ChecksumAlgorithm | undefined {
  const lower = name.toLowerCase();
  if (!isChecksumValueHeader(lower)) return undefined;
  return parseChecksumAlgorithm(lower.slice(CHECKSUM_HEADER_PREFIX.length));
}

export interface ChecksumHeader {
  /** The header name, lower-cased. */
  name: string;
  /** The algorithm, or undefined when the header names one S3 does not support. */
  algorithm: ChecksumAlgorithm | undefined;
  value: string;
}

/** Every checksum-value header a request carries (names must be lower-cased). */
export function findChecksumHeaders(headers: Record<string, string | undefined>): ChecksumHeader[] {
  const found: ChecksumHeader[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || !isChecksumValueHeader(name)) continue;
    found.push({ name, algorithm: checksumAlgorithmOfHeader(name), value });
  }
  return found;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes a base64 checksum value; undefined when it is not canonical padded base64 of exactly
 * the digest length (S3 answers such values with InvalidRequest, hex included).
 */
export function decodeChecksum(algorithm: HashAlgorithm, value: string): Buffer | undefined {
  if (!BASE64.test(value)) return undefined;
  const bytes = Buffer.from(value, 'base64');
  return bytes.length === DIGEST_LENGTH[algorithm] ? bytes : undefined;
}

/**
 * The composite checksum of a multipart object: the checksum of the concatenated binary part
 * checksums, base64, followed by `-N`.
 */
export function compositeChecksum(algorithm: ChecksumAlgorithm, partChecksumsBase64: string[]): string {
  const hasher = createHasher(algorithm);
  for (const part of partChecksumsBase64) hasher.update(Buffer.from(part, 'base64'));
  return `${hasher.digest().toString('base64')}-${partChecksumsBase64.length}`;
}

/**
 * The multipart ETag: hex MD5 of the concatenated binary MD5s of the parts, then `-N`, quoted.
 * Part ETags may be given quoted or not.
 */
export function multipartEtag(partEtagsQuoted: string[]): string {
  const hash = createHash('md5');
  for (const etag of partEtagsQuoted) hash.update(Buffer.from(etag.replace(/^"|"$/g, ''), 'hex'));
  return `"${hash.digest('hex')}-${partEtagsQuoted.length}"`;
}

export { combineFullObjectCrc } from './crc-combine.js';
