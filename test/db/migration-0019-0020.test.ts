/**
 * Migrations 0019 and 0020: the time indexes «Для менеджеров» reads the newest empty searches and the
 * end days' refused logons through. On PostgreSQL every month's partition has them, and so does a
 * partition made later; SQLite keeps its plans through the logs' keys and gets neither.
 */
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensurePartitionsOn, listPartitions } from '../../src/retention/partitions.js';
import { DB_KINDS, migrateDbTo, type MigrationTestDb } from '../helpers/db.js';

const WANTED = [
  { table: 'search_log', def: /\(at\) WHERE \(status = 'empty'::text\)$/ },
  { table: 'refused_logons', def: /\(at\)$/ },
];

describe.each(DB_KINDS)('migrations 0019-0020 (%s)', (kind) => {
  let m: MigrationTestDb;

  beforeEach(async () => {
    m = await migrateDbTo(kind, '0018_user_active_day_bounds');
  });
  afterEach(async () => {
    await m.close();
  });

  /** Index definitions on `table` (PostgreSQL) or the names of its indexes (SQLite). */
  const indexesOf = async (table: string): Promise<string[]> =>
    kind === 'postgres'
      ? (
          await sql<{ indexdef: string }>`select indexdef from pg_indexes where tablename = ${table}`.execute(
            m.h.db,
          )
        ).rows.map((r) => r.indexdef)
      : (
          await sql<{
            name: string;
          }>`select name from sqlite_master where type = 'index' and tbl_name = ${table}`.execute(m.h.db)
        ).rows.map((r) => r.name);

  it('index the empty searches and the refused logons by time on every partition, later ones too', async () => {
    const before = await Promise.all(WANTED.map((w) => indexesOf(w.table)));
    await m.migrateTo('0020_refused_logons_at');
    if (kind === 'sqlite') {
      expect(await Promise.all(WANTED.map((w) => indexesOf(w.table)))).toEqual(before);
      return;
    }
    // A month no partition holds yet, made after the migration.
    const later = Date.UTC(2031, 4, 15);
    await ensurePartitionsOn(m.h.db, later, later, (t) => WANTED.some((w) => w.table === t.table));
    for (const w of WANTED) {
      expect(before[WANTED.indexOf(w)]!.some((d) => w.def.test(d))).toBe(false);
      expect((await indexesOf(w.table)).filter((d) => w.def.test(d))).toHaveLength(1);
      const parts = await listPartitions(m.h.db, w.table);
      expect(parts.some((p) => p.month?.y === 2031 && p.month.m === 5)).toBe(true);
      for (const p of parts) expect((await indexesOf(p.name)).filter((d) => w.def.test(d))).toHaveLength(1);
    }
  });
});
