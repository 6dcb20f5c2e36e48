/**
 * Fault rules in the metadata database (`fault_rules`, `fault_engine_state`, migration 2): the
 * same SQL on PGlite (embedded) and PostgreSQL (stack mode).
 */
import type { VersionedRuleStore } from '../../injection/versioned-rule-store.js';
import type { SqlClient } from '../../metadata/sql-client.js';
import type { Rule } from '../rule.js';

interface SnapshotRow {
  version: string | number;
  kill_switch: boolean;
  rules: Rule[] | string | null;
}

/**
 * A `VersionedRuleStore` over SqlClient. Each change is one transaction that first bumps the
 * version (locking the state row), so commits of several instances are serialised in version
 * order; a snapshot is one statement, so its rules and version belong to the same instant.
 */
export function createSqlRuleStore(client: SqlClient): VersionedRuleStore {
  const store: VersionedRuleStore = {
    async load() {
      return (await store.snapshot()).rules;
    },
    async save(rule) {
      await store.commit({ save: [rule] });
    },
    async remove(id) {
      await store.commit({ remove: [id] });
    },
    async clear() {
      await store.commit({ clear: true });
    },
    async snapshot() {
      const [row] = await client.query<SnapshotRow>(
        `SELECT s.version, s.kill_switch,
          (SELECT coalesce(jsonb_agg(r.rule ORDER BY r.id), '[]'::jsonb) FROM fault_rules r) AS rules
        FROM fault_engine_state s WHERE s.id = 1`,
      );
      if (row === undefined) return { rules: [], killSwitch: false, version: 0 };
      const rules = typeof row.rules === 'string' ? (JSON.parse(row.rules) as Rule[]) : (row.rules ?? []);
      return { rules, killSwitch: row.kill_switch, version: Number(row.version) };
    },
    async version() {
      const [row] = await client.query<{ version: string | number }>(
        'SELECT version FROM fault_engine_state WHERE id = 1',
      );
      return row === undefined ? 0 : Number(row.version);
    },
    commit(mutation) {
      return client.transaction(async (tx) => {
        const [row] = await tx.query<{ version: string | number }>(
          `UPDATE fault_engine_state
          SET version = version + 1, kill_switch = coalesce($1::boolean, kill_switch)
          WHERE id = 1 RETURNING version`,
          [mutation.killSwitch ?? null],
        );
        if (mutation.clear) await tx.query('DELETE FROM fault_rules');
        if (mutation.remove !== undefined && mutation.remove.length > 0) {
          await tx.query(
            'DELETE FROM fault_rules WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb))',
            [JSON.stringify(mutation.remove)],
          );
        }
        if (mutation.save !== undefined && mutation.save.length > 0) {
          await tx.query(
            `INSERT INTO fault_rules (id, rule, updated_at)
            SELECT r.value ->> 'id', r.value, now() FROM jsonb_array_elements($1::jsonb) AS r
            ON CONFLICT (id) DO UPDATE SET rule = EXCLUDED.rule, updated_at = EXCLUDED.updated_at`,
            // One row per id: ON CONFLICT cannot touch the same row twice in one statement.
            [JSON.stringify([...new Map(mutation.save.map((rule) => [rule.id, rule])).values()])],
          );
        }
        if (row === undefined) throw new Error('fault_engine_state has no row: run the migrations');
        return Number(row.version);
      });
    },
  };
  return store;
}
