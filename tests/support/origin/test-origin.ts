import { randomBytes } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { multipartEtag, quotedMd5 } from '../e2e/payload.js';

/** Which real origin a test reads through to. */
export type OriginServerKind = 's3rver' | 'moto' | 'instance' | 'http';

/** The headers a seeded object was stored with, as a GetObject answers them. */
export interface SeededHeaders {
  contentType?: string;
  cacheControl?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  expires?: Date;
}

/** One object the origin holds. */
export interface OriginSeed {
  key: string;
  body: Buffer;
  /** Quoted, as the origin answers it (`"<md5>"`, or `"<md5>-2"` for the multipart one). */
  etag: string;
  headers?: SeededHeaders;
  /** User metadata, names lower-case without `x-amz-meta-`. */
  metadata?: Record<string, string>;
}

/** A real origin serving one bucket, seeded for read-through tests. */
export interface TestOrigin {
  readonly name: OriginServerKind;
  /** The `endpoint` of an origin config (`kind: http`: the base URL `GET {endpoint}/{key}` reads). */
  readonly endpoint: string;
  /** The bucket at the origin (`kind: s3`). */
  readonly bucket: string;
  /** The `kind` of an origin config that reads this origin. */
  readonly kind: 's3' | 'http';
  readonly credentials?: { accessKeyId: string; secretAccessKey: string };
  /** 0 B, 1 KiB (with every header and user metadata), 5 MiB, and a 2-part multipart object. */
  readonly objects: readonly OriginSeed[];
  /** The origin config body (`PUT /api/v1/origins/{bucket}`) that reads this origin, with `extra` merged. */
  config(extra?: Record<string, unknown>): Record<string, unknown>;
  /** Stores (or replaces) one object at the origin; resolves with its quoted ETag. */
  put(
    key: string,
    body: Buffer,
    options?: { headers?: SeededHeaders; metadata?: Record<string, string> },
  ): Promise<string>;
  remove(key: string): Promise<void>;
  /** GetObject requests the origin has served so far, where it can tell (the instance origins); else undefined. */
  getCount(): Promise<number> | undefined;
  /** Stops the origin (the shared moto server stays: its bucket is emptied and deleted). */
  stop(): Promise<void>;
}

const KIB = 1024;
const MIB = 1024 * KIB;
/** S3's smallest part but the last: two of them make the smallest real multipart object. */
const PART_SIZE = 5 * MIB;

/** The small object's headers: every ObjectHeaders field an origin can send, so read-through can be checked exactly. */
export const SMALL_HEADERS: SeededHeaders = {
  contentType: 'text/plain; charset=utf-8',
  cacheControl: 'max-age=60',
  contentDisposition: 'attachment; filename="small.txt"',
  contentEncoding: 'identity',
  contentLanguage: 'en-GB',
  expires: new Date('2030-01-02T03:04:05.000Z'),
};

export const SMALL_METADATA = { origin: 'seeded', note: 'read-through' } as const;

function putInput(
  bucket: string,
  key: string,
  body: Buffer,
  options: { headers?: SeededHeaders; metadata?: Record<string, string> },
): PutObjectCommandInput {
  const headers = options.headers ?? {};
  return {
    Bucket: bucket,
    Key: key,
    Body: body,
    ContentType: headers.contentType,
    CacheControl: headers.cacheControl,
    ContentDisposition: headers.contentDisposition,
    ContentEncoding: headers.contentEncoding,
    ContentLanguage: headers.contentLanguage,
    Expires: headers.expires,
    Metadata: options.metadata,
  };
}

/** PutObject through `client`; the ETag the origin answered (every origin here answers the MD5). */
export async function putObject(
  client: S3Client,
  bucket: string,
  key: string,
  body: Buffer,
  options: { headers?: SeededHeaders; metadata?: Record<string, string> } = {},
): Promise<string> {
  const answer = await client.send(new PutObjectCommand(putInput(bucket, key, body, options)));
  return answer.ETag ?? quotedMd5(body);
}

export async function removeObject(client: S3Client, bucket: string, key: string): Promise<void> {
  await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
}

/** Uploads `parts` as one multipart object; resolves with the ETag the origin answered. */
async function putMultipart(client: S3Client, bucket: string, key: string, parts: Buffer[]): Promise<string> {
  const { UploadId } = await client.send(
    new CreateMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      ContentType: 'application/x-multipart-test',
    }),
  );
  const done: { ETag: string; PartNumber: number }[] = [];
  for (const [index, part] of parts.entries()) {
    const answer = await client.send(
      new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: index + 1, Body: part }),
    );
    done.push({ ETag: answer.ETag ?? quotedMd5(part), PartNumber: index + 1 });
  }
  const completed = await client.send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      UploadId,
      MultipartUpload: { Parts: done },
    }),
  );
  return completed.ETag ?? multipartEtag(parts);
}

/**
 * Seeds the four objects of every test origin. Bodies are random, so a read-through that serves
 * the wrong object cannot pass by accident; the ETags are those the origin answered.
 */
export async function seedObjects(client: S3Client, bucket: string): Promise<OriginSeed[]> {
  const empty = Buffer.alloc(0);
  const small = randomBytes(KIB);
  const large = randomBytes(5 * MIB);
  const parts = [randomBytes(PART_SIZE), randomBytes(PART_SIZE)];
  const seeds: OriginSeed[] = [
    { key: 'empty.bin', body: empty, etag: await putObject(client, bucket, 'empty.bin', empty) },
    {
      key: 'dir/small.txt',
      body: small,
      etag: await putObject(client, bucket, 'dir/small.txt', small, {
        headers: SMALL_HEADERS,
        metadata: { ...SMALL_METADATA },
      }),
      headers: SMALL_HEADERS,
      metadata: { ...SMALL_METADATA },
    },
    { key: 'large.bin', body: large, etag: await putObject(client, bucket, 'large.bin', large) },
    {
      key: 'multipart.bin',
      body: Buffer.concat(parts),
      etag: await putMultipart(client, bucket, 'multipart.bin', parts),
      headers: { contentType: 'application/x-multipart-test' },
    },
  ];
  return seeds;
}

/** The seeded object named `key` (throws when there is none: a typo in a test). */
export function seed(origin: TestOrigin, key: string): OriginSeed {
  const found = origin.objects.find((object) => object.key === key);
  if (!found) throw new Error(`${origin.name} has no seeded object ${key}`);
  return found;
}

/**
 * A plain copy of a credentials pair: the SDK marks the object a client was given (`$source`), and
 * an origin config refuses unknown fields.
 */
export function credentialsOf(credentials: { accessKeyId: string; secretAccessKey: string }): {
  accessKeyId: string;
  secretAccessKey: string;
} {
  return { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey };
}
