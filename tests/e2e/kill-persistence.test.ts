import { randomBytes, randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { sha256Hex, uniqueBucketName } from '../support/e2e/payload.js';
import { type EmbeddedServer, s3Client, startEmbeddedServer } from '../support/e2e/server.js';

jest.setTimeout(180_000);

const WRITERS = 16;
const OPS_PER_WRITER = 120;
/** Acknowledged operations before the kill: enough that every writer is mid-stream. */
const KILL_AFTER_ACKS = 400;
/** Bodies span both replica write paths: small ones rewrite spare files, larger ones are new files. */
const MAX_BODY = 96 * 1024;

/** What a key holds: the SHA-256 of its body, or null when it does not exist. */
type State = string | null;

// Killing needs a server of our own, even when S3_ENDPOINT names a shared one.
let dataDir: string;
let server: EmbeddedServer | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'mock-s3-kill-'));
});

afterAll(async () => {
  await server?.stop('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

async function stateOf(client: S3Client, bucket: string, key: string): Promise<State> {
  try {
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return sha256Hex(Buffer.from((await got.Body?.transformToByteArray()) ?? []));
  } catch (error) {
    if (error instanceof NoSuchKey) return null;
    // A lost or torn replica set answers an S3 error: name it among the wrong states.
    return `${(error as Error).name} error`;
  }
}

describe('a process killed (SIGKILL) under write load, restarted on the same DATA_DIR', () => {
  it('keeps every acknowledged put, overwrite and delete; an unanswered one is all or nothing', async () => {
    // Prepare
    server = await startEmbeddedServer({ dataDir });
    const writing = s3Client(server.endpoint);
    const bucket = uniqueBucketName('kill');
    await writing.send(new CreateBucketCommand({ Bucket: bucket }));
    const acknowledged = new Map<string, State>();
    const unanswered = new Map<string, State>();
    let acks = 0;
    let killed: Promise<unknown> | undefined;
    const live = server;
    const writer = async (w: number): Promise<void> => {
      const own: string[] = [];
      for (let op = 0; op < OPS_PER_WRITER; op++) {
        // Mostly new keys; every fifth op overwrites and every seventh deletes an acknowledged one.
        const reuse = own.length > 0 && (op % 5 === 0 || op % 7 === 0);
        const key = reuse ? (own[randomInt(own.length)] as string) : `w${w}/k${op}`;
        const remove = reuse && op % 7 === 0;
        const body = randomBytes(randomInt(1, MAX_BODY));
        const next: State = remove ? null : sha256Hex(body);
        try {
          await writing.send(
            remove
              ? new DeleteObjectCommand({ Bucket: bucket, Key: key })
              : new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }),
          );
        } catch {
          unanswered.set(key, next);
          return;
        }
        acknowledged.set(key, next);
        if (!own.includes(key)) own.push(key);
        if (++acks === KILL_AFTER_ACKS) killed = live.stop('SIGKILL');
      }
    };

    // Act
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    const stopped = await killed;
    writing.destroy();
    server = await startEmbeddedServer({ dataDir });
    const reading = s3Client(server.endpoint);

    // Assess
    expect(stopped).toEqual({ code: null, signal: 'SIGKILL' });
    expect(unanswered.size).toBeGreaterThan(0);
    const wrong: string[] = [];
    const present: string[] = [];
    for (const key of new Set([...acknowledged.keys(), ...unanswered.keys()])) {
      const allowed = new Set<State>([acknowledged.get(key) ?? null]);
      if (unanswered.has(key)) allowed.add(unanswered.get(key) ?? null);
      const found = await stateOf(reading, bucket, key);
      if (!allowed.has(found)) wrong.push(`${key}: ${found} not in ${[...allowed].join(' | ')}`);
      if (found !== null) present.push(key);
    }
    expect(wrong).toEqual([]);
    const listed: string[] = [];
    let token: string | undefined;
    do {
      const page = await reading.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
      listed.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
      token = page.NextContinuationToken;
    } while (token !== undefined);
    expect(listed.sort()).toEqual(present.sort());
    reading.destroy();
    expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    server = undefined;
  });
});
