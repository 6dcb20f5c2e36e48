/**
 * PutObject as an application's `@aws-sdk/client-s3` sends it with its default settings: a body
 * handed over as a stream of known length goes out `Content-Encoding: aws-chunked`,
 * `x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER`, with the CRC32 the SDK computes on the
 * way in a trailer (`x-amz-trailer: x-amz-checksum-crc32`). A Buffer body would get the CRC32 as a
 * header instead; a stream is what upload code (files, pipes, lib-storage's parts) hands the SDK.
 * No retries: a failed attempt is an error of the run, not a hidden second request.
 */
import { Readable } from 'node:stream';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { BENCH_CREDENTIALS, BENCH_REGION } from '../client/sigv4.js';

const REQUEST_TIMEOUT_MS = 30_000;

export class SdkDefaultPut {
  private readonly client: S3Client;

  constructor(
    baseUrl: string,
    private readonly bucket: string,
    maxSockets: number,
  ) {
    this.client = new S3Client({
      endpoint: baseUrl,
      region: BENCH_REGION,
      credentials: BENCH_CREDENTIALS,
      forcePathStyle: true,
      maxAttempts: 1,
      requestHandler: {
        requestTimeout: REQUEST_TIMEOUT_MS,
        connectionTimeout: REQUEST_TIMEOUT_MS,
        httpAgent: { keepAlive: true, maxSockets },
      },
    });
  }

  /** Rejects with the SDK's error (its name and HTTP status in the message) on any failure. */
  async putObject(key: string, body: Buffer): Promise<void> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: Readable.from([body]),
          ContentLength: body.length,
        }),
      );
    } catch (error) {
      const failure = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
      throw new Error(
        `SDK PUT ${key}: ${failure.name ?? 'Error'} (HTTP ${failure.$metadata?.httpStatusCode ?? '-'}) ${failure.message ?? ''}`,
      );
    }
  }

  close(): void {
    this.client.destroy();
  }
}
