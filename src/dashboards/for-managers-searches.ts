/**
 * «Детектирование, что ничего не нашлось»: the newest empty searches of the visible installations in the
 * range. The log is big (tens of millions of rows a year), so it is read through its key (installation,
 * time) in windows ending at the range's end: the last three hours first, each next window four times as
 * long, until one holds the rows asked for or the whole range is read.
 */
import { sql } from 'kysely';
import type { AppContext } from '../context.js';
import { idIn } from '../db/dialect.js';
import type { EmptySearchRow } from './contract-managers.js';
import { HOUR } from './for-managers-days.js';
import type { UserFilter } from './for-managers-users.js';
import type { Range } from './range.js';
import type { InstallationSubject } from './subjects.js';

/** The first window: the last three hours; each next one four times as long, up to the whole range. */
const FIRST_WINDOW_MS = 3 * HOUR;

export async function emptySearches(
  ctx: AppContext,
  subjects: readonly InstallationSubject[],
  range: Range,
  rows: number,
  filter: UserFilter,
  managers: () => Promise<Map<number, string[]>>,
): Promise<{ rows: EmptySearchRow[]; more: boolean }> {
  if (subjects.length === 0) return { rows: [], more: false };
  const byId = new Map(subjects.map((s) => [s.id, s]));
  const ids = [...byId.keys()];
  const users = [
    ...(filter.logins ? [sql`sl.login in (${sql.join(filter.logins)})`] : []),
    ...(filter.domains
      ? [
          sql`exists (select 1 from installation_users iu where iu.installation_id = sl.installation_id
            and iu.login = sl.login and iu.domain in (${sql.join(filter.domains)}))`,
        ]
      : []),
  ];
  for (let span = FIRST_WINDOW_MS; ; span *= 4) {
    const since = Math.max(range.from, range.to - span);
    const found = await sql<{
      installation_id: number;
      at: number;
      login: string;
      query: string;
      catalog: string | null;
      type: string;
    }>`
      select sl.installation_id, sl.at, sl.login, sl.query, sl.catalog, sl.type
      from search_log sl
      where ${idIn(ctx.dbKind, 'sl.installation_id', ids)} and sl.at >= ${since} and sl.at <= ${range.to}
        and sl.status = 'empty'${users.length ? sql` and ${sql.join(users, sql` and `)}` : sql``}
      order by sl.at desc, sl.installation_id desc, ${sql.raw(ctx.dbKind === 'postgres' ? 'sl.login collate "C"' : 'sl.login')} desc,
        ${sql.raw(ctx.dbKind === 'postgres' ? 'sl.query collate "C"' : 'sl.query')} desc
      limit ${rows + 1}`.execute(ctx.db);
    if (found.rows.length > rows || since <= range.from) {
      const names = await managers();
      return {
        more: found.rows.length > rows,
        rows: found.rows.slice(0, rows).map((r) => {
          const s = byId.get(Number(r.installation_id))!;
          return {
            at: Number(r.at),
            installationId: s.id,
            clientId: s.clientId,
            client: s.client,
            host: s.host,
            managers: names.get(s.id) ?? [],
            login: r.login,
            query: r.query,
            catalog: r.catalog,
            type: r.type,
          };
        }),
      };
    }
    // Too few in the window: four times as long.
  }
}
