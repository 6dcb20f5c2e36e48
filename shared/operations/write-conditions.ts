/**
 * Conditional writes on PutObject and CompleteMultipartUpload (S3 since 2024): `If-None-Match: *`
 * writes only where no object is, `If-Match: <etag>` only over the object of that ETag.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
 *
 * The condition is checked twice. First against the current object before any byte is stored: a
 * failure there is S3's 412 PreconditionFailed (404 NoSuchKey for If-Match on a missing key). Then
 * by the metadata store in the commit's own transaction, which is what makes it hold: a failure
 * there means a concurrent write or delete of the key won the race while this request was under
 * way, which S3 answers with 409 ConditionalRequestConflict.
 */
import { type ObjectRecord, type WriteCondition, WriteConditionFailedError } from '../metadata/ports.js';
import type { S3Services } from '../runtime/runtime.js';
import { etagListMatches } from '../s3/conditions.js';
import { S3Error } from '../s3/errors.js';

/**
 * The write conditions of a request's headers (names lower-cased); none when it has neither.
 * S3 accepts only `*` for If-None-Match on a write: any other value is 501 NotImplemented.
 */
export function writeConditionsOf(headers: Record<string, string | undefined>): WriteCondition[] {
  const conditions: WriteCondition[] = [];
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() !== '*') {
      throw new S3Error('NotImplemented', { detail: { Header: 'If-None-Match' } });
    }
    conditions.push({ type: 'absent' });
  }
  const ifMatch = headers['if-match'];
  if (ifMatch !== undefined) conditions.push({ type: 'etag', etag: ifMatch.trim() });
  return conditions;
}

/**
 * Checks the conditions against the key's current object before the write begins.
 * @throws S3Error PreconditionFailed (412), or NoSuchKey (404) for If-Match on a missing key
 */
export async function checkWriteConditions(
  services: S3Services,
  target: { bucket: string; key: string },
  conditions: readonly WriteCondition[],
): Promise<void> {
  if (conditions.length === 0) return;
  const current = await services.metadata.getObject(target.bucket, target.key);
  for (const condition of conditions) {
    if (condition.type === 'absent' && current) throw preconditionFailed('If-None-Match');
    if (condition.type === 'etag') {
      if (!current) throw new S3Error('NoSuchKey', { resource: target.key, detail: { Key: target.key } });
      if (!etagListMatches(condition.etag, current.etag)) throw preconditionFailed('If-Match');
    }
  }
}

/**
 * The single condition the store checks at commit. Both headers at once can never hold together
 * (no object both exists and does not), and checkWriteConditions has refused that already, so at
 * most one is left to matter; If-None-Match is the one kept.
 */
export function commitCondition(conditions: readonly WriteCondition[]): WriteCondition | undefined {
  return conditions.find((condition) => condition.type === 'absent') ?? conditions[0];
}

/**
 * Runs a conditional commit; the store's refusal (the condition held a moment ago, a concurrent
 * writer changed the key since) becomes 409 ConditionalRequestConflict.
 */
export async function commitConditionally<T>(commit: () => Promise<T>, object: ObjectRecord): Promise<T> {
  try {
    return await commit();
  } catch (error) {
    if (!(error instanceof WriteConditionFailedError)) throw error;
    throw new S3Error('ConditionalRequestConflict', { resource: object.key, cause: error });
  }
}

function preconditionFailed(header: string): S3Error {
  return new S3Error('PreconditionFailed', { detail: { Condition: header } });
}
