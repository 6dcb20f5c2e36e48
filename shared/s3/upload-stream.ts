/**
 * The streaming counterpart of `readUploadBody` (upload-body.ts, whose header checks and
 * verification it shares): aws-chunked decoding and every digest computed as the bytes flow, the
 * checks made after the last byte and before the stream ends, so a writer that only commits what
 * ended cleanly never keeps a body that failed them.
 */
import { type Readable, Transform, type TransformCallback } from 'node:stream';
import type { ChecksumAlgorithm } from '../metadata/ports.js';
import type { BlobSource } from '../storage/ports.js';
import { bodyTerminatedUnexpectedly } from './aws-chunked.js';
import { AwsChunkedDecoder } from './aws-chunked-stream.js';
import { createHasher, type HashAlgorithm, type Hasher } from './checksums.js';
import { S3Error } from './errors.js';
import {
  digestsToCompute,
  readUploadChecks,
  type UploadChecks,
  type VerifiedUpload,
  verifyUpload,
} from './upload-body.js';

type Headers = Record<string, string | undefined>;

export interface UploadStream {
  /** The payload, aws-chunked framing removed: exactly `size` bytes, or an error before the end. */
  readonly source: BlobSource;
  /** The ETag and checksum; only once `source.stream` has ended. */
  verified(): VerifiedUpload;
  /** The digest of `alsoCompute` (base64), once `source.stream` has ended. */
  checksumOf(algorithm: ChecksumAlgorithm): string;
  /**
   * What ended the source early: the S3 error of a failed check, the body's own error
   * (RequestTimeout, a client gone). The writer's rejection may wrap it; this is the answer to give.
   */
  failure(): unknown;
}

const DECIMAL = /^\d+$/;

/**
 * Opens an upload body for streaming. Header checks happen now (the errors `readUploadBody` raises
 * before reading); framing errors as the bytes come; digests after the last byte.
 *
 * @param headers request headers, names lower-cased
 * @param body the body as received (plain or aws-chunked)
 * @param alsoCompute a checksum the caller needs even when the client sent none (UploadPart of an
 *   upload that has a checksum algorithm)
 * @throws S3Error the header errors of `readUploadChecks`
 */
export function openUploadStream(
  headers: Headers,
  body: BlobSource,
  alsoCompute?: ChecksumAlgorithm,
): UploadStream {
  const checks = readUploadChecks(headers);
  if (checks.awsChunked && !DECIMAL.test(checks.decodedLength ?? '')) throw bodyTerminatedUnexpectedly();
  const size = checks.awsChunked ? Number(checks.decodedLength) : body.size;
  const algorithms = digestsToCompute(headers, checks);
  if (alsoCompute) algorithms.add(alsoCompute);
  let failure: unknown;
  const fail = (error: unknown) => {
    failure ??= error;
  };
  body.stream.once('error', fail);
  const decoder = checks.awsChunked ? new AwsChunkedDecoder() : undefined;
  const checker = new CheckedPayload(
    size,
    algorithms,
    headers,
    checks,
    () => decoder?.trailers() ?? {},
    fail,
  );
  // Recorded as well as passed on: the writer may attach its own listener only when it starts
  // reading (a replica tee reads once every replica is open), and an error emitted before that
  // with no listener would end the process.
  checker.once('error', fail);
  if (decoder) {
    decoder.once('error', fail);
    chain(body.stream, decoder);
    chain(decoder, checker);
  } else chain(body.stream, checker);
  return {
    source: { size, stream: checker },
    verified: () => {
      if (!checker.result) throw new Error('the upload stream has not ended');
      return checker.result;
    },
    checksumOf: (algorithm) => checker.digestOf(algorithm).toString('base64'),
    failure: () => failure,
  };
}

/** Pipes `from` into `to` (backpressure), and passes an error of `from` on to `to`. */
function chain(from: Readable, to: Transform): void {
  from.pipe(to);
  from.once('error', (error) => to.destroy(error));
  // The reader gave up (the write failed): stop reading the client.
  to.once('close', () => {
    if (!from.readableEnded) from.destroy();
  });
}

/**
 * Counts and hashes the payload as it passes, and ends only when it is exactly `size` bytes and
 * every check holds; otherwise it errors with the S3 error, before its end.
 */
class CheckedPayload extends Transform {
  result: VerifiedUpload | undefined;
  private received = 0;
  private readonly hashers = new Map<HashAlgorithm, Hasher>();
  private readonly digests = new Map<HashAlgorithm, Buffer>();

  constructor(
    private readonly size: number,
    algorithms: Set<HashAlgorithm>,
    private readonly headers: Headers,
    private readonly checks: UploadChecks,
    private readonly trailers: () => Record<string, string>,
    private readonly fail: (error: unknown) => void,
  ) {
    super();
    for (const algorithm of algorithms) this.hashers.set(algorithm, createHasher(algorithm));
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.received += chunk.length;
    if (this.received > this.size) {
      this.refuse(bodyTerminatedUnexpectedly(), callback);
      return;
    }
    for (const hasher of this.hashers.values()) hasher.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.received !== this.size) {
      this.refuse(bodyTerminatedUnexpectedly(), callback);
      return;
    }
    try {
      this.result = verifyUpload(this.headers, this.checks, this.trailers(), (algorithm) =>
        this.digestOf(algorithm),
      );
      callback();
    } catch (error) {
      this.refuse(error, callback);
    }
  }

  /** The digest of the whole payload (a hash can be finished once: kept). */
  digestOf(algorithm: HashAlgorithm): Buffer {
    let digest = this.digests.get(algorithm);
    if (digest === undefined) {
      const hasher = this.hashers.get(algorithm);
      // A checksum trailer the headers never announced, in an algorithm not computed on the way.
      if (!hasher) throw new S3Error('MalformedTrailerError');
      digest = hasher.digest();
      this.digests.set(algorithm, digest);
    }
    return digest;
  }

  private refuse(error: unknown, callback: TransformCallback): void {
    this.fail(error);
    callback(error as Error);
  }
}
