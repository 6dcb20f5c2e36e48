/**
 * The `sdk` load client: `@aws-sdk/client-s3` as an application configures it by default (its
 * retry strategy, its checksums), path-style with dummy credentials. A middleware inside the retry
 * loop records the `x-amz-request-id` of every attempt, so the integrity checker and the hit log
 * can name each one, not only the last.
 */
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { ClientAnswer, GetAnswer, ListAnswer, PutAnswer, S3LoadClient } from '../types.js';
import {
  DEFAULT_REQUEST_TIMEOUT_MS,
  type LoadClientOptions,
  requestIdOf,
  transportErrorCode,
} from './client-options.js';
import { deleteEveryObject } from './delete-every-object.js';

type AnyCommand = Parameters<S3Client['send']>[0];
/** One attempt's step of the SDK's stack, seen untyped: only the raw response's headers are read. */
type AttemptHandler = (args: unknown) => Promise<{ response: unknown }>;
interface AttemptStack {
  add(
    middleware: (next: AttemptHandler) => AttemptHandler,
    options: { step: 'deserialize'; priority: 'low'; name: string },
  ): void;
}

interface SdkFailure {
  name?: string;
  code?: string;
  $fault?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
}

/** Ask the SDK, the answer and its metadata; errors become answers. */
interface Sent<T> {
  readonly output?: T;
  readonly answer: ClientAnswer;
}

interface HeaderBag {
  headers?: Record<string, string>;
}

/** The S3 code of a failed call: the service's code, or a transport one when no answer came. */
function errorCodeOf(error: SdkFailure, status: number | undefined): string {
  if (status === undefined) return transportErrorCode(error);
  // HEAD answers have no body: the SDK names the error after the status.
  if (error.name === 'NotFound') return 'NoSuchKey';
  return error.name ?? `Http${status}`;
}

class SdkLoadClient implements S3LoadClient {
  readonly kind = 'sdk' as const;
  private readonly client: S3Client;
  private readonly timeoutMs: number;

  constructor(target: string, options: LoadClientOptions) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.client = new S3Client({
      endpoint: target,
      region: 'us-east-1',
      credentials: { accessKeyId: 'mock-s3-load', secretAccessKey: 'mock-s3-load' },
      forcePathStyle: true,
      ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
      requestHandler: {
        // Per attempt: a TimeoutError the SDK retries like any transient failure.
        requestTimeout: this.timeoutMs,
        throwOnRequestTimeout: true,
        connectionTimeout: this.timeoutMs,
        httpAgent: { keepAlive: true, maxSockets: 1024 },
      },
    });
  }

  /** Sends one command, records every attempt's request id, and never throws. */
  private async send<T>(command: { readonly middlewareStack: unknown }): Promise<Sent<T>> {
    const requestIds: string[] = [];
    (command.middlewareStack as AttemptStack).add(
      (next) => async (args) => {
        try {
          const result = await next(args);
          const id = requestIdOf((result.response as HeaderBag).headers);
          if (id !== undefined) requestIds.push(id);
          return result;
        } catch (error) {
          const id = requestIdOf((error as { $response?: HeaderBag }).$response?.headers);
          if (id !== undefined) requestIds.push(id);
          throw error;
        }
      },
      // Inside the retry loop and beneath the deserializer: once per attempt, the raw response.
      { step: 'deserialize', priority: 'low', name: 'loadRequestIds' },
    );
    try {
      const output = (await this.client.send(command as AnyCommand)) as T & {
        $metadata?: SdkFailure['$metadata'];
      };
      return {
        output,
        answer: {
          ok: true,
          status: output.$metadata?.httpStatusCode,
          requestIds,
          attempts: output.$metadata?.attempts ?? 1,
        },
      };
    } catch (caught) {
      const error = (caught ?? {}) as SdkFailure;
      const status = error.$metadata?.httpStatusCode;
      return {
        answer: {
          ok: false,
          status,
          errorCode: errorCodeOf(error, status),
          requestIds,
          attempts: Math.max(error.$metadata?.attempts ?? 1, requestIds.length, 1),
        },
      };
    }
  }

  async putObject(bucket: string, key: string, body: Buffer): Promise<PutAnswer> {
    const sent = await this.send<{ ETag?: string }>(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }),
    );
    return { ...sent.answer, etag: sent.output?.ETag };
  }

  async getObject(bucket: string, key: string): Promise<GetAnswer> {
    const sent = await this.send<{ Body?: { transformToByteArray(): Promise<Uint8Array> } }>(
      new GetObjectCommand({ Bucket: bucket, Key: key }),
    );
    if (!sent.answer.ok || sent.output?.Body === undefined) return sent.answer;
    try {
      const bytes = await sent.output.Body.transformToByteArray();
      return { ...sent.answer, body: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
    } catch (error) {
      // The body broke off (reset, timeout, a checksum the SDK found wrong): no answer to trust.
      return { ...sent.answer, ok: false, errorCode: transportErrorCode(error) };
    }
  }

  async headObject(bucket: string, key: string): Promise<ClientAnswer> {
    return (await this.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).answer;
  }

  async listObjects(bucket: string, prefix: string, continuationToken?: string): Promise<ListAnswer> {
    const sent = await this.send<{ Contents?: { Key?: string }[]; NextContinuationToken?: string }>(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: continuationToken }),
    );
    return {
      ...sent.answer,
      keys: (sent.output?.Contents ?? []).map((object) => object.Key ?? ''),
      nextContinuationToken: sent.output?.NextContinuationToken,
    };
  }

  async deleteObject(bucket: string, key: string): Promise<ClientAnswer> {
    return (await this.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))).answer;
  }

  async copyObject(bucket: string, sourceKey: string, key: string): Promise<PutAnswer> {
    const sent = await this.send<{ CopyObjectResult?: { ETag?: string } }>(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: key,
        CopySource: `${bucket}/${sourceKey.split('/').map(encodeURIComponent).join('/')}`,
      }),
    );
    return { ...sent.answer, etag: sent.output?.CopyObjectResult?.ETag };
  }

  async multipartUpload(bucket: string, key: string, body: Buffer, partSize: number): Promise<PutAnswer> {
    const requestIds: string[] = [];
    // One upload, several requests: `attempts - 1` counts the retries of all of them.
    let attempts = 1;
    const track = <T>(sent: Sent<T>): Sent<T> => {
      requestIds.push(...sent.answer.requestIds);
      attempts += sent.answer.attempts - 1;
      return sent;
    };
    const failed = (answer: ClientAnswer): PutAnswer => ({ ...answer, requestIds, attempts });
    const created = track(
      await this.send<{ UploadId?: string }>(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key })),
    );
    const uploadId = created.output?.UploadId;
    if (!created.answer.ok || uploadId === undefined) return failed(created.answer);
    const parts: { PartNumber: number; ETag?: string }[] = [];
    for (let offset = 0, number = 1; offset < body.length || number === 1; offset += partSize, number++) {
      const uploaded = track(
        await this.send<{ ETag?: string }>(
          new UploadPartCommand({
            Bucket: bucket,
            Key: key,
            UploadId: uploadId,
            PartNumber: number,
            Body: body.subarray(offset, offset + partSize),
          }),
        ),
      );
      if (!uploaded.answer.ok) return failed(uploaded.answer);
      parts.push({ PartNumber: number, ETag: uploaded.output?.ETag });
    }
    const completed = track(
      await this.send<{ ETag?: string }>(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts },
        }),
      ),
    );
    return { ...completed.answer, requestIds, attempts, etag: completed.output?.ETag };
  }

  async createBucket(bucket: string): Promise<ClientAnswer> {
    return (await this.send(new CreateBucketCommand({ Bucket: bucket }))).answer;
  }

  async emptyAndDeleteBucket(bucket: string): Promise<ClientAnswer> {
    const failed = await deleteEveryObject(this, bucket);
    if (failed !== undefined) return failed;
    return (await this.send(new DeleteBucketCommand({ Bucket: bucket }))).answer;
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

/** The `sdk` client against `target`, with the SDK's default retries unless `maxAttempts` is given. */
export function createSdkClient(target: string, options: LoadClientOptions = {}): S3LoadClient {
  return new SdkLoadClient(target, options);
}
