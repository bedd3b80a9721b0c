import type { ColumnDefinitionBuilder, CreateTableBuilder } from 'kysely';

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
