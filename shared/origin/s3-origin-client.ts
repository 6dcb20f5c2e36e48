import {
  type ChecksumType,
  GetObjectCommand,
  type GetObjectCommandOutput,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { ObjectHeaders, StoredChecksum } from '../metadata/ports.js';
import { originAnswerForStatus, originNetworkFailure } from './origin-answers.js';
import { OriginIntegrityError } from './origin-integrity.js';
import {
  type OriginAnswer,
  type OriginClient,
  type OriginConfig,
  OriginError,
  type OriginObject,
} from './ports.js';

/**
 * An S3 (or S3-compatible) origin through `@aws-sdk/client-s3`: GetObject, signed with the
 * configured credentials or the SDK's default chain, with ChecksumMode ENABLED so a full-object
 * checksum comes back to be verified and kept. One attempt per fetch (`maxAttempts: 1`): the
 * breaker and the client's own retries decide what happens after a failure.
 */
export function createS3OriginClient(config: OriginConfig): OriginClient {
  const sdk = new S3Client({
    endpoint: config.endpoint,
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    maxAttempts: 1,
    ...(config.credentials ? { credentials: { ...config.credentials } } : {}),
  });
  const target = `${config.endpoint}/${config.remoteBucket}`;

  return {
    async get(key, { signal }) {
      let output: GetObjectCommandOutput;
      try {
        output = await sdk.send(
          new GetObjectCommand({ Bucket: config.remoteBucket, Key: key, ChecksumMode: 'ENABLED' }),
          { abortSignal: signal },
        );
      } catch (error) {
        return answerForFailure(error, signal, target);
      }
      let body: Buffer;
      try {
        body = await readBody(output, signal);
      } catch (error) {
        return answerForFailure(error, signal, target);
      }
      // A body shorter (or longer) than announced is a cut transfer or dirty bytes: never served.
      if (output.ContentLength !== undefined && body.length !== output.ContentLength) {
        throw new OriginIntegrityError(
          `origin ${target} announced ${output.ContentLength} bytes of ${key} and sent ${body.length}`,
        );
      }
      return { found: true, object: objectOf(output, body) };
    },
    close: () => sdk.destroy(),
  };
}

/** The body, cut short by `signal` (the SDK's abort covers the request, not always a slow body). */
async function readBody(output: GetObjectCommandOutput, signal: AbortSignal): Promise<Buffer> {
  if (output.Body === undefined) return Buffer.alloc(0);
  const reading = output.Body.transformToByteArray();
  const bytes = await abortable(reading, signal, () => {
    const stream = output.Body as { destroy?: (error?: Error) => void };
    stream.destroy?.();
  });
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function abortable<T>(work: Promise<T>, signal: AbortSignal, onAbort: () => void): Promise<T> {
  if (signal.aborted) {
    onAbort();
    work.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      onAbort();
      work.catch(() => undefined);
      reject(signal.reason);
    };
    signal.addEventListener('abort', abort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(error);
      },
    );
  });
}

function answerForFailure(error: unknown, signal: AbortSignal, target: string): OriginAnswer {
  if (signal.aborted) {
    throw new OriginError('timeout', `origin ${target} gave no full answer in time`, {}, { cause: error });
  }
  // The SDK checks a full-object checksum itself as the body is read: a mismatch is dirty bytes.
  if (error instanceof Error && /checksum mismatch/i.test(error.message)) {
    throw new OriginIntegrityError(`origin ${target}: ${error.message}`, { cause: error });
  }
  if (error instanceof S3ServiceException && error.$metadata.httpStatusCode !== undefined) {
    return originAnswerForStatus(error.$metadata.httpStatusCode, error.name, target, error);
  }
  throw originNetworkFailure(error, target);
}

function objectOf(output: GetObjectCommandOutput, body: Buffer): OriginObject {
  const headers: ObjectHeaders = {};
  if (output.ContentType !== undefined) headers.contentType = output.ContentType;
  if (output.ContentEncoding !== undefined) headers.contentEncoding = output.ContentEncoding;
  if (output.ContentLanguage !== undefined) headers.contentLanguage = output.ContentLanguage;
  if (output.ContentDisposition !== undefined) headers.contentDisposition = output.ContentDisposition;
  if (output.CacheControl !== undefined) headers.cacheControl = output.CacheControl;
  // ExpiresString is the header as sent; Expires is the SDK's parse of it (absent when unparsable).
  const expires = output.ExpiresString ?? output.Expires?.toUTCString();
  if (expires !== undefined) headers.expires = expires;
  const checksum = checksumOf(output);
  return {
    body,
    ...(output.ETag !== undefined ? { etag: output.ETag } : {}),
    ...(output.LastModified !== undefined ? { lastModified: output.LastModified } : {}),
    headers,
    userMetadata: lowerCased(output.Metadata ?? {}),
    ...(checksum ? { checksum } : {}),
  };
}

function lowerCased(metadata: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(metadata).map(([name, value]) => [name.toLowerCase(), value]));
}

function checksumOf(output: GetObjectCommandOutput): StoredChecksum | undefined {
  const candidates = [
    ['CRC32', output.ChecksumCRC32],
    ['CRC32C', output.ChecksumCRC32C],
    ['CRC64NVME', output.ChecksumCRC64NVME],
    ['SHA1', output.ChecksumSHA1],
    ['SHA256', output.ChecksumSHA256],
  ] as const;
  for (const [algorithm, value] of candidates) {
    if (value === undefined) continue;
    return { algorithm, value, type: checksumType(output.ChecksumType, value) };
  }
  return undefined;
}

/** A composite value ends in `-N` (S3 may leave the type out on older objects). */
function checksumType(type: ChecksumType | undefined, value: string): StoredChecksum['type'] {
  if (type === 'COMPOSITE' || type === 'FULL_OBJECT') return type;
  return /-\d+$/.test(value) ? 'COMPOSITE' : 'FULL_OBJECT';
}
