/**
 * One operation of the load: planned from a fixed number of draws (so the sequence of operations,
 * sizes and bytes depends on the seed, not on timing), run against the client, and its outcome fed
 * to the key space (what is believed to exist) and the history (what the checker reads).
 */
import type { HistoryLog } from './history.js';
import { sha256Hex } from './history.js';
import type { KeyOutcome, KeySpace } from './key-space.js';
import type { OperationChooser } from './operation-mix.js';
import type { PayloadSource } from './payloads.js';
import type { RandomSource } from './seeded-random.js';
import type { ClientAnswer, LoadOperation, PutAnswer, S3LoadClient, WriteRecord } from './types.js';

/** Multipart parts are S3's minimum part size, so small objects go up as one (last) part. */
export const MULTIPART_PART_SIZE = 5 * 1024 * 1024;

/** The draws one operation consumes, whatever it turns out to be. */
export interface OperationDraws {
  readonly number: number;
  readonly operation: number;
  readonly key: number;
  readonly secondKey: number;
  readonly size: number;
  readonly offset: number;
}

export function drawOperation(random: RandomSource, number: number): OperationDraws {
  return {
    number,
    operation: random.next(),
    key: random.next(),
    secondKey: random.next(),
    size: random.next(),
    offset: random.next(),
  };
}

/** An operation ready to run: its keys are claimed (in flight) until it ends. */
export interface PlannedOperation {
  readonly number: number;
  readonly operation: LoadOperation;
  /** The key written, read or deleted (absent for list). */
  readonly key?: number;
  /** A copy's source. */
  readonly sourceKey?: number;
  readonly body?: Buffer;
}

const READS: ReadonlySet<LoadOperation> = new Set(['get', 'head', 'delete', 'copy']);

export interface OperationContext {
  readonly client: S3LoadClient;
  readonly bucket: string;
  readonly keyPrefix: string;
  readonly keys: KeySpace;
  readonly chooser: OperationChooser;
  readonly payloads: PayloadSource;
  /** Undefined unless the spec asked for history. */
  readonly history: HistoryLog | undefined;
  /** Ms since the load started. */
  readonly elapsed: () => number;
}

/**
 * Claims the keys of an operation. A read, copy or delete with no key believed to exist (or all of
 * them in flight) becomes a put; when no key at all is free, a list (it needs none).
 */
export function planOperation(context: OperationContext, draws: OperationDraws): PlannedOperation {
  const { keys, payloads } = context;
  let operation = context.chooser.choose(draws.operation);
  let sourceKey: number | undefined;
  let key: number | undefined;
  if (READS.has(operation)) {
    const existing = keys.claimExisting(draws.key);
    if (existing === undefined) operation = 'put';
    else if (operation === 'copy') sourceKey = existing;
    else key = existing;
  }
  if (operation === 'put' || operation === 'multipart' || operation === 'copy') {
    key = keys.claimForWrite(operation === 'copy' ? draws.secondKey : draws.key, sourceKey);
    if (key === undefined) {
      if (sourceKey !== undefined) keys.release(sourceKey, { kind: 'unchanged' });
      return { number: draws.number, operation: 'list' };
    }
  }
  const body =
    operation === 'put' || operation === 'multipart'
      ? payloads.payload(draws.number, payloads.sizeFor(draws.size), draws.offset)
      : undefined;
  return { number: draws.number, operation, key, sourceKey, body };
}

const CLIENT_FAILURE: ClientAnswer = { ok: false, errorCode: 'ClientError', requestIds: [], attempts: 1 };

/** Runs a planned operation; resolves with the client's answer (never rejects). */
export async function runOperation(
  context: OperationContext,
  planned: PlannedOperation,
): Promise<ClientAnswer> {
  const startedAtMs = context.elapsed();
  let answer: ClientAnswer = CLIENT_FAILURE;
  let outcome: KeyOutcome = { kind: 'unknown' };
  try {
    [answer, outcome] = await send(context, planned, startedAtMs);
  } catch {
    // A client breaking its promise not to throw: counted as a failure, the key left uncertain.
    answer = CLIENT_FAILURE;
  } finally {
    if (planned.sourceKey !== undefined) context.keys.release(planned.sourceKey, { kind: 'unchanged' });
    if (planned.key !== undefined) context.keys.release(planned.key, outcome);
  }
  return answer;
}

/** Records a write (put, multipart or copy) in the history; the key's bytes are known only if acknowledged. */
function written(
  context: OperationContext,
  key: string,
  sha256: string,
  startedAtMs: number,
  answer: PutAnswer,
  operation: WriteRecord['operation'],
): [ClientAnswer, KeyOutcome] {
  context.history?.write({
    key,
    sha256,
    startedAtMs,
    endedAtMs: context.elapsed(),
    acked: answer.ok,
    etag: answer.etag,
    requestIds: answer.requestIds,
    operation,
  });
  return [answer, answer.ok ? { kind: 'written', sha256 } : { kind: 'unknown' }];
}

async function send(
  context: OperationContext,
  planned: PlannedOperation,
  startedAtMs: number,
): Promise<[ClientAnswer, KeyOutcome]> {
  const { client, bucket, keys, history } = context;
  const keyName = planned.key === undefined ? '' : keys.keyName(planned.key);
  switch (planned.operation) {
    case 'put':
    case 'multipart': {
      const body = planned.body!;
      const sha256 = history === undefined ? '' : sha256Hex(body);
      const answer =
        planned.operation === 'put'
          ? await client.putObject(bucket, keyName, body)
          : await client.multipartUpload(bucket, keyName, body, MULTIPART_PART_SIZE);
      return written(context, keyName, sha256, startedAtMs, answer, planned.operation);
    }
    case 'copy': {
      // The destination's expected bytes are the source's last acknowledged bytes.
      const sha256 = keys.sha256Of(planned.sourceKey!) ?? '';
      const answer = await client.copyObject(bucket, keys.keyName(planned.sourceKey!), keyName);
      return written(context, keyName, sha256, startedAtMs, answer, 'copy');
    }
    case 'get': {
      const answer = await client.getObject(bucket, keyName);
      if (history !== undefined && answer.ok && answer.body !== undefined) {
        history.read({
          key: keyName,
          sha256: sha256Hex(answer.body),
          startedAtMs,
          endedAtMs: context.elapsed(),
          requestIds: answer.requestIds,
        });
      }
      return [answer, { kind: 'unchanged' }];
    }
    case 'head':
      return [await client.headObject(bucket, keyName), { kind: 'unchanged' }];
    case 'delete': {
      const answer = await client.deleteObject(bucket, keyName);
      history?.delete({
        key: keyName,
        startedAtMs,
        endedAtMs: context.elapsed(),
        acked: answer.ok,
        requestIds: answer.requestIds,
      });
      return [answer, answer.ok ? { kind: 'deleted' } : { kind: 'unknown' }];
    }
    case 'list':
      return [await client.listObjects(bucket, context.keyPrefix), { kind: 'unchanged' }];
  }
}
