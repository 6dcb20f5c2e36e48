import type { SqlClient } from './sql-client.js';

/**
 * One schema change. Statements run one by one (PGlite's extended protocol takes a single
 * statement per query), all inside the migration transaction.
 */
export interface Migration {
  version: number;
  name: string;
  statements: readonly string[];
}

/**
 * The schema, as TypeScript constants so a bundle needs no SQL files next to it. Append only:
 * never edit a migration that has shipped.
 *
 * Every key, bucket name, upload id and blob id is `COLLATE "C"`: comparisons and ORDER BY are
 * then by bytes, and for UTF-8 byte order equals code point order, which is the order S3 lists
 * keys in. The C collation also lets the btree primary key serve `key > $after` and prefix ranges.
 *
 * `object_blobs` maps each blob id an object's segments use back to the object. The store keeps
 * it in the same transaction as the object row (delete cascades from `objects`). A GIN index on
 * `objects.segments` would answer "is this blob referenced" but not "every referenced blob id in
 * order, after X" (reconcile pages through them), which a btree on `object_blobs(blob_id, ...)`
 * does directly. Its key includes the object so that two objects may share a blob (a copy).
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial_schema',
    statements: [
      `CREATE TABLE buckets (
        name text COLLATE "C" PRIMARY KEY,
        created_at timestamptz NOT NULL
      )`,
      `CREATE TABLE objects (
        bucket text COLLATE "C" NOT NULL REFERENCES buckets (name),
        key text COLLATE "C" NOT NULL,
        size bigint NOT NULL,
        etag text NOT NULL,
        last_modified timestamptz NOT NULL,
        headers jsonb NOT NULL,
        user_metadata jsonb NOT NULL,
        checksum jsonb,
        segments jsonb NOT NULL,
        parts_count int,
        PRIMARY KEY (bucket, key)
      )`,
      `CREATE TABLE object_blobs (
        blob_id text COLLATE "C" NOT NULL,
        bucket text COLLATE "C" NOT NULL,
        key text COLLATE "C" NOT NULL,
        PRIMARY KEY (blob_id, bucket, key),
        FOREIGN KEY (bucket, key) REFERENCES objects (bucket, key) ON DELETE CASCADE
      )`,
      'CREATE INDEX object_blobs_object ON object_blobs (bucket, key)',
      `CREATE TABLE uploads (
        upload_id text COLLATE "C" PRIMARY KEY,
        bucket text COLLATE "C" NOT NULL REFERENCES buckets (name),
        key text COLLATE "C" NOT NULL,
        initiated timestamptz NOT NULL,
        headers jsonb NOT NULL,
        user_metadata jsonb NOT NULL,
        checksum_algorithm text,
        checksum_type text
      )`,
      'CREATE INDEX uploads_listing ON uploads (bucket, key, initiated, upload_id)',
      `CREATE TABLE parts (
        upload_id text COLLATE "C" NOT NULL REFERENCES uploads (upload_id) ON DELETE CASCADE,
        part_number int NOT NULL,
        blob_id text COLLATE "C" NOT NULL,
        size bigint NOT NULL,
        etag text NOT NULL,
        last_modified timestamptz NOT NULL,
        checksum jsonb,
        PRIMARY KEY (upload_id, part_number)
      )`,
      'CREATE INDEX parts_blob_id ON parts (blob_id)',
    ],
  },
  {
    // Fault rules survive a restart and are shared by every instance (FAULTS.md, Propagation).
    // One state row holds the kill switch and the version every committed change bumps.
    version: 2,
    name: 'fault_rules',
    statements: [
      `CREATE TABLE fault_rules (
        id text COLLATE "C" PRIMARY KEY,
        rule jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE TABLE fault_engine_state (
        id int PRIMARY KEY CHECK (id = 1),
        kill_switch boolean NOT NULL DEFAULT false,
        version bigint NOT NULL DEFAULT 0
      )`,
      'INSERT INTO fault_engine_state (id, kill_switch, version) VALUES (1, false, 0)',
    ],
  },
  {
    // The upload an object version was completed from, so a repeated CompleteMultipartUpload (a
    // retry after a lost response) is answered as the first one was. NULL for other versions.
    version: 3,
    name: 'objects_completed_upload',
    statements: ['ALTER TABLE objects ADD COLUMN completed_upload jsonb'],
  },
  {
    // Issue 15's wider S3 surface. An object row gains its version id ('null' is S3's literal id
    // of the null version), tags, storage class, encryption headers and ACL; an upload keeps what
    // CreateMultipartUpload was given for them. A bucket gains its versioning state, and its
    // sub-resource documents (tagging, cors, encryption, acl, ownership) live one row per kind.
    version: 4,
    name: 'versions_tags_bucket_configs',
    statements: [
      `ALTER TABLE objects ADD COLUMN version_id text COLLATE "C" NOT NULL DEFAULT 'null'`,
      'ALTER TABLE objects ADD COLUMN tags jsonb',
      'ALTER TABLE objects ADD COLUMN storage_class text',
      'ALTER TABLE objects ADD COLUMN encryption jsonb',
      'ALTER TABLE objects ADD COLUMN acl jsonb',
      'ALTER TABLE uploads ADD COLUMN tags jsonb',
      'ALTER TABLE uploads ADD COLUMN storage_class text',
      'ALTER TABLE uploads ADD COLUMN encryption jsonb',
      'ALTER TABLE uploads ADD COLUMN acl jsonb',
      'ALTER TABLE buckets ADD COLUMN versioning text',
      `CREATE TABLE bucket_configs (
        bucket text COLLATE "C" NOT NULL REFERENCES buckets (name) ON DELETE CASCADE,
        kind text COLLATE "C" NOT NULL,
        document jsonb NOT NULL,
        PRIMARY KEY (bucket, kind)
      )`,
    ],
  },
  {
    // Versioning. `objects` keeps the current version of each key (so reads, listings and the
    // origin code are unchanged); every noncurrent version and every delete marker lives here.
    // `seq` orders a key's versions (newest highest): a sequence, because two writes in one
    // millisecond must still order, and a row takes its number when it stops being current, which
    // is exactly when a newer version arrives. Their blob links are kept apart from object_blobs
    // (whose foreign key names the current row), and both are read by reconcile.
    version: 5,
    name: 'object_versions',
    statements: [
      'CREATE SEQUENCE object_version_order',
      `CREATE TABLE object_versions (
        bucket text COLLATE "C" NOT NULL REFERENCES buckets (name),
        key text COLLATE "C" NOT NULL,
        version_id text COLLATE "C" NOT NULL,
        seq bigint NOT NULL,
        delete_marker boolean NOT NULL,
        size bigint NOT NULL,
        etag text NOT NULL,
        last_modified timestamptz NOT NULL,
        headers jsonb NOT NULL,
        user_metadata jsonb NOT NULL,
        checksum jsonb,
        segments jsonb NOT NULL,
        parts_count int,
        completed_upload jsonb,
        tags jsonb,
        storage_class text,
        encryption jsonb,
        acl jsonb,
        PRIMARY KEY (bucket, key, version_id)
      )`,
      'CREATE INDEX object_versions_order ON object_versions (bucket, key, seq)',
      `CREATE TABLE object_version_blobs (
        blob_id text COLLATE "C" NOT NULL,
        bucket text COLLATE "C" NOT NULL,
        key text COLLATE "C" NOT NULL,
        version_id text COLLATE "C" NOT NULL,
        PRIMARY KEY (blob_id, bucket, key, version_id),
        FOREIGN KEY (bucket, key, version_id) REFERENCES object_versions (bucket, key, version_id)
          ON DELETE CASCADE
      )`,
      'CREATE INDEX object_version_blobs_version ON object_version_blobs (bucket, key, version_id)',
    ],
  },
];

/** Any constant works; it only has to be the same in every process that migrates this database. */
const MIGRATION_LOCK_KEY = 0x6d6f636b33; // "mock3"

/**
 * Applies the migrations `client` has not recorded in `schema_migrations`, in order, in one
 * transaction. A transaction-scoped advisory lock makes two processes starting at once take turns:
 * the second sees the first one's rows once the lock is granted and applies nothing. (PGlite has
 * one connection, so there the lock is uncontended; the SQL is the same.)
 * Returns the versions it applied.
 */
export async function migrate(
  client: SqlClient,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  return client.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
        version int PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`,
    );
    const rows = await tx.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((row) => Number(row.version)));
    const done: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(migration.version)) continue;
      for (const statement of migration.statements) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      done.push(migration.version);
    }
    return done;
  });
}
