import type { Kysely } from 'kysely';
import { bigint, type DbKind } from '../dialect.js';

/**
 * The nodes sharing this database (issue 9, docs/operations.md): each `smart serve` writes its row at
 * start and a heartbeat every few seconds with what it runs and holds. A node whose heartbeat is older
 * than the dead-after limit is presumed dead: the others take its leases at once instead of waiting for
 * them to expire. `/api/cluster` reads this table.
 */
export async function up(db: Kysely<unknown>, kind: DbKind): Promise<void> {
  const big = bigint(kind);
  await db.schema
    .createTable('cluster_nodes')
    .addColumn('node_id', 'text', (c) => c.primaryKey())
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('pid', 'integer', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('url', 'text')
    /** JSON: what this node runs (ingest, checks, alerts, health, asrp, maintenance). */
    .addColumn('roles', 'text', (c) => c.notNull())
    .addColumn('started_at', big, (c) => c.notNull())
    .addColumn('heartbeat_at', big, (c) => c.notNull())
    /** Set by a clean stop; a row without it and with an old heartbeat is a dead node. */
    .addColumn('stopped_at', big)
    /** JSON: the node's own figures at the last heartbeat (memory, event-loop delay, runner stats). */
    .addColumn('stats', 'text', (c) => c.notNull().defaultTo('{}'))
    /** Set when another node took this one's leases over. */
    .addColumn('taken_over_at', big)
    .addColumn('taken_over_by', 'text')
    .execute();
}
