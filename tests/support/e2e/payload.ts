import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { crc32 } from 'node:zlib';
import { crc32c } from '@aws-crypto/crc32c';
import { Crc64Nvme } from '@aws-sdk/crc64-nvme';

/** A bucket name no other test or run will use: lowercase, DNS-compatible, < 63 chars. */
export function uniqueBucketName(prefix = 'e2e'): string {
  return `${prefix}-${randomUUID().slice(0, 13)}`.toLowerCase();
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function md5Hex(data: Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}

export function md5Base64(data: Uint8Array | string): string {
  return createHash('md5').update(data).digest('base64');
}

/** The quoted ETag S3 gives a single-PUT object. */
export function quotedMd5(data: Uint8Array): string {
  return `"${md5Hex(data)}"`;
}

/** The multipart ETag: md5 over the concatenated binary part md5s, then `-N`. */
export function multipartEtag(parts: readonly Uint8Array[]): string {
  const digests = parts.map((part) => createHash('md5').update(part).digest());
  return `"${md5Hex(Buffer.concat(digests))}-${parts.length}"`;
}

function uint32Base64(value: number): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value >>> 0);
  return out.toString('base64');
}

/** The base64 checksum S3 reports for each `x-amz-checksum-*` algorithm. */
export async function checksumBase64(
  algorithm: 'CRC32' | 'CRC32C' | 'SHA1' | 'SHA256' | 'CRC64NVME',
  data: Uint8Array,
): Promise<string> {
  switch (algorithm) {
    case 'CRC32':
      return uint32Base64(crc32(data));
    case 'CRC32C':
      return uint32Base64(crc32c(data));
    case 'SHA1':
      return createHash('sha1').update(data).digest('base64');
    case 'SHA256':
      return createHash('sha256').update(data).digest('base64');
    case 'CRC64NVME': {
      const checksum = new Crc64Nvme();
      checksum.update(data);
      return Buffer.from(await checksum.digest()).toString('base64');
    }
  }
}

/** sha256 of everything a stream yields, without holding it in memory. */
export async function sha256OfStream(
  stream: AsyncIterable<Uint8Array>,
): Promise<{ hex: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { hex: hash.digest('hex'), bytes };
}

export function sha256OfFile(path: string): Promise<{ hex: string; bytes: number }> {
  return sha256OfStream(createReadStream(path));
}

/** Writes `size` random bytes to `path` in 1 MiB chunks and returns their sha256. */
export async function writeRandomFile(path: string, size: number): Promise<string> {
  const out = createWriteStream(path);
  const hash = createHash('sha256');
  const chunkSize = 1024 * 1024;
  for (let written = 0; written < size; written += chunkSize) {
    const chunk = randomBytes(Math.min(chunkSize, size - written));
    hash.update(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return hash.digest('hex');
}

/** Runs `work` over `items` with at most `limit` in flight; rejects on the first failure. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
