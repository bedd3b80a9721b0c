import {
  sql,
  type ColumnDefinitionBuilder,
  type CreateTableBuilder,
  type RawBuilder,
  type SqlBool,
} from 'kysely';

/** The two storage engines. Everything that differs between them is decided in src/db/. */
export type DbKind = 'sqlite' | 'postgres';

type Table = CreateTableBuilder<string, never>;

/** An auto-incrementing integer primary key (`id`). */
export function withId(kind: DbKind, table: Table): Table {
  return kind === 'sqlite'
    ? table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    : table.addColumn('id', 'bigserial', (c) => c.primaryKey());
}

/** Integer type wide enough for ms timestamps and ids. */
export function bigint(kind: DbKind): 'integer' | 'bigint' {
  return kind === 'sqlite' ? 'integer' : 'bigint';
}

export type ColumnBuilder = (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;

/**
 * Concatenation of a text expression over a group, separated by `sep`: `group_concat` on SQLite,
 * `string_agg` on PostgreSQL. Order within the group is unspecified. For reads that would otherwise
 * send hundreds of thousands of tiny rows to the client (the rolling availability of a fleet).
 */
export function stringAgg(kind: DbKind, expr: RawBuilder<string>, sep: string): RawBuilder<string> {
  return kind === 'sqlite'
    ? sql<string>`group_concat(${expr}, ${sql.lit(sep)})`
    : sql<string>`string_agg(${expr}, ${sql.lit(sep)})`;
}

/**
 * `column` is one of `ids`, the whole list bound as one parameter: a JSON array read by `json_each` on
 * SQLite, an array on PostgreSQL (`= any`). A list of a thousand ids then costs one bind instead of a
 * thousand, is not split into statements of at most so many, and the statement's text does not change
 * with the list (so it is prepared once). Both engines look each id up in the column's index. The
 * PostgreSQL array goes as its text (`{1,2,3}`), built in one join: the driver would quote and escape
 * every element as a string, which for the dashboards' lists cost more than the rest of sending.
 */
export function idIn(kind: DbKind, column: string, ids: readonly number[]): RawBuilder<SqlBool> {
  return kind === 'sqlite'
    ? sql<SqlBool>`${sql.ref(column)} in (select value from json_each(${JSON.stringify(ids)}))`
    : sql<SqlBool>`${sql.ref(column)} = any(${`{${ids.join(',')}}`}::bigint[])`;
}

/**
 * Rows of an integer and texts, `(id, text, …)`, as a derived table with columns `column1`, `column2`, …
 * (the names VALUES gives them), bound as one parameter per column on PostgreSQL (`unnest` of typed
 * arrays) and one JSON parameter on SQLite. Put an alias after it: `from ${tuples(kind, rows)} k`.
 * The columns are as many as the first row has; an empty list has no first row, so it needs `width`
 * (otherwise a statement naming `column3` of an empty list would fail only when the list is empty).
 */
export function tuples(
  kind: DbKind,
  rows: readonly (readonly [number, ...string[]])[],
  width: number | undefined = rows[0]?.length,
): RawBuilder<unknown> {
  if (width === undefined || width < 1) throw new Error('tuples: an empty list needs its width');
  const names = Array.from({ length: width }, (_, i) => `column${i + 1}`);
  if (kind === 'sqlite')
    return sql`(select ${sql.raw(names.map((n, i) => `value ->> ${i} as ${n}`).join(', '))} from json_each(${JSON.stringify(rows)}))`;
  const arrays = names.map((_, i) => {
    const values = rows.map((r) => r[i]);
    return i === 0 ? sql`${values}::bigint[]` : sql`${values}::text[]`;
  });
  return sql`(select * from unnest(${sql.join(arrays)}) as t(${sql.raw(names.join(', '))}))`;
}
