/**
 * Lists bound as one parameter (src/db/dialect.ts `idIn`, `tuples`): the same rows as the literal lists
 * they replace, on both engines, for empty, small and large lists and for texts that an array or JSON
 * literal has to escape.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAndMigrate, type DbHandle } from '../../src/db/database.js';
import { idIn, tuples } from '../../src/db/dialect.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/db.js';

/** Texts a naive array literal (`{a,b}`) or a JSON string would break on. */
const AWKWARD = [
  'plain',
  'with,comma',
  'with "quotes"',
  'back\\slash',
  '{braces}',
  'NULL',
  '',
  'Иванов И.И.',
  "o'hara",
];

describe.each(DB_KINDS)('lists as one parameter (%s)', (kind) => {
  let tdb: TestDatabase;
  let h: DbHandle;

  beforeAll(async () => {
    tdb = await createTestDatabase(kind);
    h = await openAndMigrate(tdb.url);
    await h.db
      .insertInto('dealers')
      .values(
        Array.from({ length: 1500 }, (_, i) => ({
          code: `d${i + 1}`,
          name: AWKWARD[i % AWKWARD.length]!,
          created_at: 1,
          updated_at: 1,
        })),
      )
      .execute();
  });
  afterAll(async () => {
    await h.close();
    await tdb.drop();
  });

  const codesOf = async (ids: readonly number[]) =>
    (
      await h.db
        .selectFrom('dealers')
        .select('code')
        .where(idIn(h.kind, 'id', ids))
        .orderBy('id')
        .execute()
    ).map((r) => r.code);

  it('idIn finds exactly the listed ids, none for an empty list, also for more ids than a statement binds', async () => {
    const all = (await h.db.selectFrom('dealers').select('id').orderBy('id').execute()).map((r) =>
      Number(r.id),
    );
    expect(all).toHaveLength(1500);
    expect(await codesOf([])).toEqual([]);
    expect(await codesOf([all[4]!])).toEqual(['d5']);
    const odd = all.filter((_, i) => i % 2 === 1);
    expect(await codesOf([...odd, 99_999_999])).toEqual(odd.map((id) => `d${all.indexOf(id) + 1}`));
    // Duplicates in the list do not duplicate rows.
    expect(await codesOf([all[0]!, all[0]!, all[1]!])).toEqual(['d1', 'd2']);
  });

  it('tuples: a derived table of an id and texts, texts kept byte for byte, joinable by both columns', async () => {
    const all = await h.db.selectFrom('dealers').select(['id', 'name']).orderBy('id').limit(40).execute();
    const rows = all.map((r) => [Number(r.id), r.name, `x${r.name}`] as const);
    const back = await sql<{ column1: number; column2: string; column3: string }>`
      select k.column1, k.column2, k.column3 from ${tuples(h.kind, rows)} k
      join dealers d on d.id = k.column1 and d.name = k.column2
      order by k.column1`.execute(h.db);
    expect(back.rows.map((r) => [Number(r.column1), r.column2, r.column3])).toEqual(rows.map((r) => [...r]));
    // An empty list keeps the columns it is given: a statement naming the third still runs.
    const none = await sql<{
      n: number;
    }>`select count(k.column3) as n from ${tuples(h.kind, [], 3)} k`.execute(h.db);
    expect(Number(none.rows[0]!.n)).toBe(0);
    expect(() => tuples(h.kind, [])).toThrow(/empty list needs its width/);
  });
});
