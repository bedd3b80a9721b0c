import type { AppContext } from '../context.js';
import type { Db } from './database.js';

/**
 * Runs fn in a transaction, or inside the caller's transaction when ctx.db already is one, so that
 * services compose: the CSV import calls the same create/update functions inside one transaction.
 */
export async function withTx<T>(ctx: AppContext, fn: (db: Db) => Promise<T>): Promise<T> {
  if (ctx.db.isTransaction) return fn(ctx.db);
  return ctx.db.transaction().execute(fn);
}
