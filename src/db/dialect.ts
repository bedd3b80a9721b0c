import { sql, type ColumnDefinitionBuilder, type CreateTableBuilder, type RawBuilder } from 'kysely';

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
