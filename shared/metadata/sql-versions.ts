import { etagListMatches } from '../s3/conditions.js';
import { keyRangeConditions } from './key-range.js';
import type {
  ListVersionsQuery,
  NoncurrentVersionStats,
  ObjectRecord,
  ObjectVersion,
  WriteCondition,
} from './ports.js';
import { WriteConditionFailedError } from './ports.js';
import type { SqlClient } from './sql-client.js';
import {
  NULL_VERSION_ID,
  OBJECT_COLUMNS,
  OBJECT_VALUES,
  type ObjectRow,
  objectParams,
  toObject,
} from './sql-rows.js';

/**
 * The version-aware statements of the SQL metadata store (migration 5). `objects` holds each key's
 * current version; `object_versions` every noncurrent version and delete marker, ordered by `seq`.
 * Every write here runs inside the caller's transaction and first takes a transaction-scoped
 * advisory lock on the key, so two writers of one key take turns (a row lock cannot guard a key
 * whose current row does not exist, as after a delete marker).
 */

interface VersionRow extends ObjectRow {
  delete_marker: boolean;
  is_latest?: boolean;
}

/** The seq a current row stands for in comparisons: above every noncurrent version of its key. */
const CURRENT_SEQ = '9223372036854775807';

/** The object columns of object_versions (the same names), for moves between the two tables. */
const MOVED_COLUMNS = OBJECT_COLUMNS;

const LOCK_KEY = `SELECT pg_advisory_xact_lock(hashtext($1 || '/' || $2)::bigint)`;

/** Writers of one key take turns until the transaction ends. */
async function lockKey(tx: SqlClient, bucket: string, key: string): Promise<void> {
  await tx.query(LOCK_KEY, [bucket, key]);
}

/** Moves the key's current row (and its blob links) to object_versions, as the newest noncurrent. */
async function retireCurrent(tx: SqlClient, bucket: string, key: string): Promise<void> {
  await tx.query(
    `INSERT INTO object_versions (${MOVED_COLUMNS}, seq, delete_marker)
     SELECT ${MOVED_COLUMNS}, nextval('object_version_order'), false FROM objects
     WHERE bucket = $1 AND key = $2`,
    [bucket, key],
  );
  await tx.query(
    `INSERT INTO object_version_blobs (blob_id, bucket, key, version_id)
     SELECT b.blob_id, b.bucket, b.key, o.version_id FROM object_blobs b
     JOIN objects o ON o.bucket = b.bucket AND o.key = b.key
     WHERE b.bucket = $1 AND b.key = $2`,
    [bucket, key],
  );
  // object_blobs rows go by ON DELETE CASCADE.
  await tx.query('DELETE FROM objects WHERE bucket = $1 AND key = $2', [bucket, key]);
}

/**
 * Makes room for a new latest version of the key: the current version becomes noncurrent, except
 * that a new null version (Suspended) overwrites the null version wherever it is. Returns the
 * object version that went for good (a removed marker is not returned: it has no bytes).
 */
async function makeRoom(
  tx: SqlClient,
  bucket: string,
  key: string,
  current: ObjectRow | undefined,
  newVersionId: string | undefined,
): Promise<ObjectRecord | undefined> {
  let gone: ObjectRecord | undefined;
  if (current && newVersionId === undefined && current.version_id === NULL_VERSION_ID) {
    await tx.query('DELETE FROM objects WHERE bucket = $1 AND key = $2', [bucket, key]);
    gone = toObject(current);
  } else if (current) {
    await retireCurrent(tx, bucket, key);
  }
  if (newVersionId === undefined) {
    const [removed] = await tx.query<VersionRow>(
      `DELETE FROM object_versions WHERE bucket = $1 AND key = $2 AND version_id = $3
       RETURNING ${OBJECT_COLUMNS}, delete_marker`,
      [bucket, key, NULL_VERSION_ID],
    );
    if (removed && !removed.delete_marker) gone = toObject(removed);
  }
  return gone;
}

/**
 * Commits `object` as the key's latest version in a versioned (Enabled or Suspended) bucket, inside
 * `tx`: with a version id the current version is kept as noncurrent; without (the null version)
 * the null version is overwritten. A `condition` is checked against the current object (a key
 * whose latest version is a delete marker has none). Returns what went for good.
 * @throws WriteConditionFailedError when the condition does not hold
 */
export async function putVersion(
  tx: SqlClient,
  object: ObjectRecord,
  condition?: WriteCondition,
): Promise<ObjectRecord | undefined> {
  await lockKey(tx, object.bucket, object.key);
  const [current] = await tx.query<ObjectRow>(
    `SELECT ${OBJECT_COLUMNS} FROM objects WHERE bucket = $1 AND key = $2 FOR UPDATE`,
    [object.bucket, object.key],
  );
  if (condition?.type === 'absent' && current) throw new WriteConditionFailedError('exists');
  if (condition?.type === 'etag') {
    if (!current) throw new WriteConditionFailedError('missing');
    if (!etagListMatches(condition.etag, current.etag)) throw new WriteConditionFailedError('etag_differs');
  }
  const gone = await makeRoom(tx, object.bucket, object.key, current, object.versionId);
  await tx.query(`INSERT INTO objects (${OBJECT_COLUMNS}) VALUES (${OBJECT_VALUES})`, objectParams(object));
  if (object.segments.length > 0) {
    await tx.query(
      `INSERT INTO object_blobs (blob_id, bucket, key)
       SELECT DISTINCT segment->>'blobId', $1, $2 FROM jsonb_array_elements($3::jsonb) AS segment
       ON CONFLICT DO NOTHING`,
      [object.bucket, object.key, JSON.stringify(object.segments)],
    );
  }
  return gone;
}

/** A delete marker as stored: no bytes, no headers. */
export function deleteMarkerRecord(
  bucket: string,
  key: string,
  marker: { versionId?: string; lastModified: Date },
): ObjectRecord {
  return {
    bucket,
    key,
    size: 0,
    etag: '',
    lastModified: marker.lastModified,
    headers: {},
    userMetadata: {},
    segments: [],
    ...(marker.versionId !== undefined ? { versionId: marker.versionId } : {}),
  };
}

/** Inserts a delete marker as the key's latest version, inside `tx`. Returns what went for good. */
export async function putMarker(
  tx: SqlClient,
  bucket: string,
  key: string,
  marker: { versionId?: string; lastModified: Date },
): Promise<ObjectRecord | undefined> {
  await lockKey(tx, bucket, key);
  const [current] = await tx.query<ObjectRow>(
    `SELECT ${OBJECT_COLUMNS} FROM objects WHERE bucket = $1 AND key = $2 FOR UPDATE`,
    [bucket, key],
  );
  const gone = await makeRoom(tx, bucket, key, current, marker.versionId);
  await tx.query(
    `INSERT INTO object_versions (${OBJECT_COLUMNS}, seq, delete_marker)
     VALUES (${OBJECT_VALUES}, nextval('object_version_order'), true)`,
    objectParams(deleteMarkerRecord(bucket, key, marker)),
  );
  return gone;
}

/**
 * Removes one version for good, inside `tx`; when no current object is left afterwards, the newest
 * remaining version becomes current unless it is a delete marker (then it stays the latest).
 */
export async function removeVersion(
  tx: SqlClient,
  bucket: string,
  key: string,
  versionId: string,
): Promise<ObjectVersion | undefined> {
  await lockKey(tx, bucket, key);
  let removed: ObjectVersion | undefined;
  const [current] = await tx.query<ObjectRow>(
    `DELETE FROM objects WHERE bucket = $1 AND key = $2 AND version_id = $3 RETURNING ${OBJECT_COLUMNS}`,
    [bucket, key, versionId],
  );
  if (current) {
    removed = { object: toObject(current), deleteMarker: false, isLatest: true };
  } else {
    const [old] = await tx.query<VersionRow>(
      `DELETE FROM object_versions v WHERE bucket = $1 AND key = $2 AND version_id = $3
       RETURNING ${OBJECT_COLUMNS}, delete_marker,
         NOT EXISTS (SELECT 1 FROM objects o WHERE o.bucket = v.bucket AND o.key = v.key)
         AND NOT EXISTS (SELECT 1 FROM object_versions n
                         WHERE n.bucket = v.bucket AND n.key = v.key AND n.seq > v.seq) AS is_latest`,
      [bucket, key, versionId],
    );
    if (!old) return undefined;
    removed = toVersion(old);
  }
  if (removed.isLatest) await promoteNewest(tx, bucket, key);
  return removed;
}

/** Makes the key's newest noncurrent version current, when it is an object (not a marker). */
async function promoteNewest(tx: SqlClient, bucket: string, key: string): Promise<void> {
  const [newest] = await tx.query<{ version_id: string; delete_marker: boolean }>(
    `SELECT version_id, delete_marker FROM object_versions WHERE bucket = $1 AND key = $2
     ORDER BY seq DESC LIMIT 1`,
    [bucket, key],
  );
  if (!newest || newest.delete_marker) return;
  const params = [bucket, key, newest.version_id];
  await tx.query(
    `INSERT INTO objects (${OBJECT_COLUMNS}) SELECT ${OBJECT_COLUMNS} FROM object_versions
     WHERE bucket = $1 AND key = $2 AND version_id = $3`,
    params,
  );
  await tx.query(
    `INSERT INTO object_blobs (blob_id, bucket, key) SELECT blob_id, bucket, key FROM object_version_blobs
     WHERE bucket = $1 AND key = $2 AND version_id = $3 ON CONFLICT DO NOTHING`,
    params,
  );
  await tx.query('DELETE FROM object_versions WHERE bucket = $1 AND key = $2 AND version_id = $3', params);
}

/** Whether a noncurrent row `v` is its key's latest version (no current object, nothing newer). */
const IS_LATEST = `NOT EXISTS (SELECT 1 FROM objects o WHERE o.bucket = v.bucket AND o.key = v.key)
  AND NOT EXISTS (SELECT 1 FROM object_versions n WHERE n.bucket = v.bucket AND n.key = v.key AND n.seq > v.seq)`;

/** One version by id: the current object or a noncurrent version or marker. */
export async function findVersion(
  client: SqlClient,
  bucket: string,
  key: string,
  versionId: string,
): Promise<ObjectVersion | undefined> {
  const rows = await client.query<VersionRow>(
    `SELECT ${OBJECT_COLUMNS}, false AS delete_marker, true AS is_latest FROM objects
       WHERE bucket = $1 AND key = $2 AND version_id = $3
     UNION ALL
     SELECT ${OBJECT_COLUMNS}, delete_marker, ${IS_LATEST} AS is_latest FROM object_versions v
       WHERE bucket = $1 AND key = $2 AND version_id = $3`,
    [bucket, key, versionId],
  );
  return rows[0] ? toVersion(rows[0]) : undefined;
}

/** The key's newest noncurrent version when no current object exists (a delete marker is latest). */
export async function findLatestNoncurrent(
  client: SqlClient,
  bucket: string,
  key: string,
): Promise<ObjectVersion | undefined> {
  const rows = await client.query<VersionRow>(
    `SELECT ${OBJECT_COLUMNS}, delete_marker, true AS is_latest FROM object_versions v
     WHERE bucket = $1 AND key = $2
       AND NOT EXISTS (SELECT 1 FROM objects o WHERE o.bucket = v.bucket AND o.key = v.key)
     ORDER BY seq DESC LIMIT 1`,
    [bucket, key],
  );
  return rows[0] ? toVersion(rows[0]) : undefined;
}

/**
 * Versions in S3's order: keys by bytes, newest first within a key. After `keyMarker`, or with
 * `versionIdMarker` from the version after that one of `keyMarker` (an unknown marker id starts
 * at the next key). The current object of `keyMarker` is newer than any version id marker, so
 * only noncurrent rows of that key can follow one.
 */
export async function listVersions(client: SqlClient, query: ListVersionsQuery): Promise<ObjectVersion[]> {
  const params: unknown[] = [query.bucket, query.keyMarker, query.versionIdMarker ?? null];
  const range = keyRangeConditions(query.prefix, params);
  params.push(query.limit);
  const rows = await client.query<VersionRow & { seq: string | number }>(
    `WITH marker AS (
       SELECT COALESCE(
         (SELECT seq FROM object_versions WHERE bucket = $1 AND key = $2 AND version_id = $3::text),
         (SELECT ${CURRENT_SEQ}::bigint FROM objects WHERE bucket = $1 AND key = $2 AND version_id = $3::text)
       ) AS seq
     )
     SELECT * FROM (
       (SELECT ${OBJECT_COLUMNS}, ${CURRENT_SEQ}::bigint AS seq, false AS delete_marker, true AS is_latest
        FROM objects WHERE bucket = $1 ${range} AND key > $2
        ORDER BY key LIMIT $${params.length})
       UNION ALL
       (SELECT ${OBJECT_COLUMNS}, seq, delete_marker, ${IS_LATEST} AS is_latest
        FROM object_versions v WHERE bucket = $1 ${range}
          AND (key > $2 OR (key = $2 AND seq < (SELECT seq FROM marker)))
        ORDER BY key, seq DESC LIMIT $${params.length})
     ) AS versions ORDER BY key, seq DESC LIMIT $${params.length}`,
    params,
  );
  return rows.map(toVersion);
}

/**
 * Counts noncurrent versions and markers, reading at most `limit` rows; at the limit the numbers
 * are lower bounds (`exact: false`), as the admin stats report the object count.
 */
export async function countNoncurrent(client: SqlClient, limit: number): Promise<NoncurrentVersionStats> {
  const [row] = await client.query<{
    versions: string | number;
    markers: string | number;
    bytes: string | number;
  }>(
    `SELECT count(*) FILTER (WHERE NOT delete_marker) AS versions,
            count(*) FILTER (WHERE delete_marker) AS markers, COALESCE(sum(size), 0) AS bytes
     FROM (SELECT delete_marker, size FROM object_versions LIMIT $1) AS counted`,
    [limit],
  );
  const versions = Number(row?.versions ?? 0);
  const deleteMarkers = Number(row?.markers ?? 0);
  return { versions, deleteMarkers, bytes: Number(row?.bytes ?? 0), exact: versions + deleteMarkers < limit };
}

function toVersion(row: VersionRow): ObjectVersion {
  return { object: toObject(row), deleteMarker: row.delete_marker, isLatest: row.is_latest ?? false };
}
