/**
 * «Подключённые пользователи» (spec installations §3.7): table 3.7.1 «Пользователи занимающие лицензии
 * на момент получения sysinfo».
 *
 * - Source: `installation_sessions`, the session list of each installation's newest sysinfo (the store
 *   replaces it with every newer report, so there is no history: the table is "now", and each row
 *   carries the time of the report it comes from, `reportAt`). Only sessions that hold a licence.
 * - Columns: all five of the spec (login, «Время на сервере» = the logon time the ПК registered, IP,
 *   browser, domain) plus the host and client.
 * - The flag: a login (per installation) whose licence-holding sessions come from more than one
 *   (IP, browser) pair is `multiple` (several computers or browsers: a seat deficit or shared
 *   credentials, spec §3.7 business rules). Computed over all of the login's sessions, whatever the
 *   domain variable.
 * - Sorted by login (code-point order on both engines), then installation, then logon time; paged in SQL
 *   (`limit` default 100, `offset`).
 */
import { sql, type RawBuilder } from 'kysely';
import type { AppContext } from '../context.js';
import type { DbKind } from '../db/dialect.js';
import type { Actor } from '../tenancy/scope.js';
import {
  USERS_DEFAULT_PAGE,
  type ConnectedUserRow,
  type ConnectedUsersOut,
  type ConnectedUsersQuery,
} from './contract-users.js';
import { visibleInstallations } from './subjects.js';

/** Text ordered by code point on both engines (PostgreSQL would otherwise use the database's locale). */
export function byteOrder(kind: DbKind, expr: RawBuilder<unknown>): RawBuilder<unknown> {
  return kind === 'postgres' ? sql`${expr} collate "C"` : expr;
}

interface SessionRow {
  installation_id: number;
  login: string;
  logon_at: number | null;
  ip: string | null;
  browser: string | null;
  domain: string;
  sessions: number;
  places: number;
}

export async function connectedUsers(
  ctx: AppContext,
  actor: Actor,
  q: ConnectedUsersQuery,
): Promise<ConnectedUsersOut> {
  const limit = q.limit ?? USERS_DEFAULT_PAGE;
  const offset = q.offset ?? 0;
  const out: ConnectedUsersOut = { rows: [], total: 0, offset, limit, installations: 0, multipleLogins: 0 };
  const subjects = await visibleInstallations(ctx, actor, q);
  if (subjects.length === 0) return out;
  const byId = new Map(subjects.map((s) => [s.id, s]));
  const ids = sql.join([...byId.keys()]);
  const domains = q.domain && q.domain.length > 0 ? [...new Set(q.domain)] : null;

  // Per login of an installation: its licence-holding sessions and the distinct places they come from.
  const perLogin = sql`(select installation_id, login, count(*) as sessions,
      count(distinct coalesce(ip, '') || '|' || coalesce(browser, '')) as places
    from installation_sessions where holds_licence = 1 and installation_id in (${ids})
    group by installation_id, login)`;
  const where = sql.join(
    [
      sql`s.holds_licence = 1`,
      sql`s.installation_id in (${ids})`,
      ...(domains ? [sql`s.domain in (${sql.join(domains)})`] : []),
      ...(q.multipleOnly ? [sql`d.places > 1`] : []),
    ],
    sql` and `,
  );
  const from = sql`installation_sessions s join ${perLogin} d
    on d.installation_id = s.installation_id and d.login = s.login where ${where}`;

  const [summary, page, states] = await Promise.all([
    sql<{ total: number; installations: number; multiple: number }>`
      select count(*) as total, count(distinct s.installation_id) as installations,
        count(distinct case when d.places > 1 then cast(s.installation_id as text) || '|' || s.login end) as multiple
      from ${from}`.execute(ctx.db),
    sql<SessionRow>`
      select s.installation_id, s.login, s.logon_at, s.ip, s.browser, s.domain, d.sessions, d.places
      from ${from}
      order by ${byteOrder(ctx.dbKind, sql`s.login`)}, s.installation_id, coalesce(s.logon_at, 0),
        ${byteOrder(ctx.dbKind, sql`coalesce(s.ip, '')`)}, ${byteOrder(ctx.dbKind, sql`coalesce(s.browser, '')`)}
      limit ${limit} offset ${offset}`.execute(ctx.db),
    ctx.db
      .selectFrom('installation_state')
      .select(['installation_id', 'report_at'])
      .where('installation_id', 'in', [...byId.keys()])
      .execute(),
  ]);
  const s0 = summary.rows[0];
  out.total = Number(s0?.total ?? 0);
  out.installations = Number(s0?.installations ?? 0);
  out.multipleLogins = Number(s0?.multiple ?? 0);
  const reportAt = new Map(
    states.map((r) => [Number(r.installation_id), r.report_at === null ? null : Number(r.report_at)]),
  );
  out.rows = page.rows.map((r): ConnectedUserRow => {
    const s = byId.get(Number(r.installation_id))!;
    const places = Number(r.places);
    return {
      installationId: s.id,
      clientId: s.clientId,
      client: s.client,
      host: s.host,
      reportAt: reportAt.get(s.id) ?? null,
      login: r.login,
      logonAt: r.logon_at === null ? null : Number(r.logon_at),
      ip: r.ip,
      browser: r.browser,
      domain: r.domain,
      loginSessions: Number(r.sessions),
      loginPlaces: places,
      multiple: places > 1,
    };
  });
  return out;
}
