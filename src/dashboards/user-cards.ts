/**
 * «Карточки пользователей» (spec installations §3.4): table 3.4.1 (the cards), the completeness the
 * manual's 066 panel speaks of, and table 3.4.2 «Топ20 самых активных пользователей».
 *
 * - Cards: `installation_users`, every account any stored sysinfo listed (newest values), whatever the
 *   range (a card is a current state). Sorted by login (code-point order on both engines), then
 *   installation; paged in SQL (`limit` default 100, `offset`). A field is filled when it holds more
 *   than blanks; `completeness` = filled of the five card fields (fullname, phone, email, position,
 *   department) × 20.
 * - Completeness (066: «Процент заполненных карточек заходивших в систему пользователей»): over the
 *   accounts that have logged in at least once (a last activity is known) and are not blocked: the share
 *   of complete cards and the share of filled fields. One aggregate query.
 * - Top: activity = intelligent searches (search log) + counted documents (`user_usage_daily`), the
 *   definition the manual gives for «Активность пользователей» and the one KodeksUserActivityIsLow uses.
 *   Both are read over the installation's local days the range touches (the documents are counted per
 *   day by the ПК, so a day is whole: the default last 24 hours covers yesterday and today, local). The
 *   domain is the account's current one (`НеОпределён` for a login the user list never named). Ranked in
 *   SQL, `top` rows (default 20), users with no activity left out.
 */
import { sql } from 'kysely';
import type { AppContext } from '../context.js';
import { UNDEFINED_DOMAIN } from '../ingest/parse/snapshot.js';
import type { Actor } from '../tenancy/scope.js';
import { INTELLIGENT } from '../ingest/user-usage-monthly.js';
import { byteOrder } from './connected-users.js';

import {
  CARD_FIELDS,
  TOP_USERS_DEFAULT,
  USER_CARDS_DEFAULT_RANGE_MS,
  USERS_DEFAULT_PAGE,
  type TopUserRow,
  type UserCardRow,
  type UserCardsOut,
  type UserCardsQuery,
} from './contract-users.js';
import { resolveRange } from './range.js';
import { managersOf, visibleInstallations, type InstallationSubject } from './subjects.js';

const MIN = 60_000;

const localDay = (ms: number, offsetMin: number) => new Date(ms + offsetMin * MIN).toISOString().slice(0, 10);

/** Filled card fields of a row of `installation_users`, in SQL. */
const FILLED = sql.join(
  CARD_FIELDS.map((f) => sql`case when coalesce(trim(${sql.ref(f)}), '') <> '' then 1 else 0 end`),
  sql` + `,
);

const pct = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 1000) / 10 : null);

interface CardRow {
  installation_id: number;
  login: string;
  domain: string;
  fullname: string | null;
  phone: string | null;
  email: string | null;
  position: string | null;
  department: string | null;
  blocked: number;
  last_activity_at: number | null;
  filled: number;
}

export async function userCards(
  ctx: AppContext,
  actor: Actor,
  q: UserCardsQuery,
  now: number,
): Promise<UserCardsOut> {
  const range = resolveRange(q, now, USER_CARDS_DEFAULT_RANGE_MS);
  const limit = q.limit ?? USERS_DEFAULT_PAGE;
  const offset = q.offset ?? 0;
  const out: UserCardsOut = {
    from: range.from,
    to: range.to,
    cards: { rows: [], total: 0, offset, limit },
    completeness: { users: 0, completeCards: 0, completePct: null, fieldsPct: null },
    top: [],
  };
  const subjects = await visibleInstallations(ctx, actor, q);
  if (subjects.length === 0) return out;
  const byId = new Map(subjects.map((s) => [s.id, s]));
  const ids = sql.join([...byId.keys()]);
  const domains = q.domain && q.domain.length > 0 ? [...new Set(q.domain)] : null;
  const inDomains = domains ? sql` and domain in (${sql.join(domains)})` : sql``;
  const incomplete = q.incompleteOnly ? sql` and (${FILLED}) < ${CARD_FIELDS.length}` : sql``;

  const [count, page, summary, top] = await Promise.all([
    sql<{ n: number }>`select count(*) as n from installation_users
      where installation_id in (${ids})${inDomains}${incomplete}`.execute(ctx.db),
    sql<CardRow>`select installation_id, login, domain, fullname, phone, email, position, department,
        blocked, last_activity_at, ${FILLED} as filled
      from installation_users where installation_id in (${ids})${inDomains}${incomplete}
      order by ${byteOrder(ctx.dbKind, sql`login`)}, installation_id
      limit ${limit} offset ${offset}`.execute(ctx.db),
    sql<{ users: number; complete: number | null; filled: number | null }>`
      select count(*) as users,
        sum(case when (${FILLED}) = ${CARD_FIELDS.length} then 1 else 0 end) as complete,
        sum(${FILLED}) as filled
      from installation_users
      where installation_id in (${ids})${inDomains} and blocked = 0 and last_activity_at is not null`.execute(
      ctx.db,
    ),
    topUsers(ctx, subjects, range, domains, q.top ?? TOP_USERS_DEFAULT, now),
  ]);

  out.cards.total = Number(count.rows[0]?.n ?? 0);
  const s0 = summary.rows[0];
  const users = Number(s0?.users ?? 0);
  const complete = Number(s0?.complete ?? 0);
  out.completeness = {
    users,
    completeCards: complete,
    completePct: pct(complete, users),
    fieldsPct: pct(Number(s0?.filled ?? 0), users * CARD_FIELDS.length),
  };

  const shown = new Set([...page.rows.map((r) => Number(r.installation_id)), ...top.map((r) => r.id)]);
  const [managers, dealers] = await Promise.all([
    managersOf(
      ctx,
      [...shown].map((id) => byId.get(id)!),
    ),
    ctx.db
      .selectFrom('dealers')
      .select(['id', 'name'])
      .where('id', 'in', [...new Set(top.map((r) => byId.get(r.id)!.dealerId)), -1])
      .execute(),
  ]);
  const dealerName = new Map(dealers.map((d) => [Number(d.id), d.name]));
  const subject = (s: InstallationSubject) => ({
    installationId: s.id,
    clientId: s.clientId,
    client: s.client,
    host: s.host,
  });

  out.cards.rows = page.rows.map((r): UserCardRow => {
    const s = byId.get(Number(r.installation_id))!;
    const filled = Number(r.filled);
    return {
      ...subject(s),
      managers: managers.get(s.id) ?? [],
      login: r.login,
      domain: r.domain,
      fullname: r.fullname,
      phone: r.phone,
      email: r.email,
      position: r.position,
      department: r.department,
      blocked: Number(r.blocked) !== 0,
      lastActivityAt: r.last_activity_at === null ? null : Number(r.last_activity_at),
      filled,
      completeness: (filled * 100) / CARD_FIELDS.length,
    };
  });
  out.top = top.map((r): TopUserRow => {
    const s = byId.get(r.id)!;
    return {
      ...subject(s),
      dealerId: s.dealerId,
      dealer: dealerName.get(s.dealerId) ?? '',
      managers: managers.get(s.id) ?? [],
      login: r.login,
      domain: r.domain,
      activity: r.searches + r.documents,
      searches: r.searches,
      documents: r.documents,
    };
  });
  return out;
}

type TopUser = { id: number; login: string; domain: string; searches: number; documents: number };

/**
 * One time zone's view of the range: the installations' local days it touches (documents are counted per
 * whole local day), the instants of the searches, and the months split into those wholly inside (read
 * from `user_usage_monthly`) and the partial ones at the ends (read from the daily rows and the log).
 */
interface ZoneWindow {
  ids: number[];
  lo: string;
  hi: string;
  since: number;
  until: number;
  firstMonth: string;
  lastMonth: string;
  /** Months wholly inside [lo, hi] and [since, until]; null when none. */
  whole: { from: string; to: string } | null;
  /** The partial months as [first day, last day, first instant, last instant]. */
  edges: { lo: string; hi: string; since: number; until: number }[];
}

function monthAdd(month: string, n: number): string {
  const d = new Date(`${month}-01T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + n);
  return d.toISOString().slice(0, 7);
}

function zoneWindow(
  ids: number[],
  range: { from: number; to: number },
  off: number,
  now: number,
): ZoneWindow {
  const lo = localDay(range.from, off);
  const hi = localDay(range.to, off);
  const since = Date.parse(`${lo}T00:00:00Z`) - off * MIN;
  const until = range.to;
  const firstMonth = lo.slice(0, 7);
  const lastMonth = hi.slice(0, 7);
  const monthStart = (m: string) => Date.parse(`${m}-01T00:00:00Z`) - off * MIN;
  // The first month is whole when the range starts on its 1st; the last when the range reaches its end,
  // or the present (nothing is stored after it).
  const firstWhole = lo.endsWith('-01');
  const lastWhole = until >= Math.min(now, monthStart(monthAdd(lastMonth, 1)) - 1);
  const from = firstWhole ? firstMonth : monthAdd(firstMonth, 1);
  const to = lastWhole ? lastMonth : monthAdd(lastMonth, -1);
  const edges: ZoneWindow['edges'] = [];
  const edge = (m: string) => {
    const mLo = `${m}-01` > lo ? `${m}-01` : lo;
    const next = monthAdd(m, 1);
    const lastDay = new Date(Date.parse(`${next}-01T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    edges.push({
      lo: mLo,
      hi: lastDay < hi ? lastDay : hi,
      since: Math.max(since, monthStart(m)),
      until: Math.min(until, monthStart(next) - 1),
    });
  };
  if (!firstWhole) edge(firstMonth);
  if (!lastWhole && lastMonth !== firstMonth) edge(lastMonth);
  if (firstWhole && !lastWhole && lastMonth === firstMonth) edge(lastMonth);
  return { ids, lo, hi, since, until, firstMonth, lastMonth, whole: from <= to ? { from, to } : null, edges };
}

/**
 * The `n` most active users of the installations over the range, exactly, without summing every daily
 * row of 13 months: `user_usage_monthly` gives each user an upper bound (the months the range touches,
 * whole); candidates are taken in the order of their bound and their exact activity read (whole months
 * from the rollup, the partial months at the ends from the daily rows and the log) until the n-th exact
 * activity exceeds the next candidate's bound, which no later user can then beat.
 */
async function topUsers(
  ctx: AppContext,
  subjects: InstallationSubject[],
  range: { from: number; to: number },
  domains: string[] | null,
  n: number,
  now: number,
): Promise<TopUser[]> {
  const zones = new Map<number, number[]>();
  for (const s of subjects) zones.set(s.utcOffsetMin, [...(zones.get(s.utcOffsetMin) ?? []), s.id]);
  const windows = [...zones].map(([off, ids]) => zoneWindow(ids, range, off, now));
  // Under a month the bounds (whole months) are far above the exact sums: the direct read is cheaper.
  if (windows.every((w) => w.whole === null)) return topUsersDirect(ctx, subjects, range, domains, n);
  const zoneOf = new Map<number, ZoneWindow>();
  for (const w of windows) for (const id of w.ids) zoneOf.set(id, w);

  const domain = sql`coalesce(u.domain, ${UNDEFINED_DOMAIN})`;
  const bounds = await sql<{ installation_id: number; login: string; domain: string; bound: number }>`
    select m.installation_id, m.login, ${domain} as domain,
      sum(m.intelligent_searches) + sum(m.docs_counted) as bound
    from user_usage_monthly m
    left join installation_users u on u.installation_id = m.installation_id and u.login = m.login
    where (${sql.join(
      windows.map(
        (w) =>
          sql`(m.installation_id in (${sql.join(w.ids)}) and m.month >= ${w.firstMonth} and m.month <= ${w.lastMonth})`,
      ),
      sql` or `,
    )})
      ${domains ? sql`and ${domain} in (${sql.join(domains)})` : sql``}
    group by m.installation_id, m.login, u.domain
    having sum(m.intelligent_searches) + sum(m.docs_counted) > 0
    order by bound desc`.execute(ctx.db);

  const order = (a: TopUser, b: TopUser) =>
    b.searches + b.documents - (a.searches + a.documents) ||
    (a.login < b.login ? -1 : a.login > b.login ? 1 : 0) ||
    a.id - b.id;
  let best: TopUser[] = [];
  const cands = bounds.rows;
  // Exact sums are read n candidates at first, then twice as many each round.
  for (let i = 0, size = n; i < cands.length; i += size, size *= 2) {
    const nth = best[n - 1];
    if (nth && nth.searches + nth.documents > Number(cands[i]!.bound)) break;
    const batch = cands.slice(i, i + size);
    const exact = await exactActivity(ctx, batch, zoneOf);
    for (const c of batch) {
      const e = exact.get(`${Number(c.installation_id)}\u0000${c.login}`) ?? { searches: 0, documents: 0 };
      if (e.searches + e.documents > 0)
        best.push({ id: Number(c.installation_id), login: c.login, domain: c.domain, ...e });
    }
    best = best.sort(order).slice(0, n);
  }
  return best;
}

/**
 * The same over ranges that hold no whole month: the daily rows and the log of the range, summed and
 * ranked in SQL in one query (a branch per time zone present, the local days differ).
 */
async function topUsersDirect(
  ctx: AppContext,
  subjects: InstallationSubject[],
  range: { from: number; to: number },
  domains: string[] | null,
  n: number,
): Promise<{ id: number; login: string; domain: string; searches: number; documents: number }[]> {
  const zones = new Map<number, number[]>();
  for (const s of subjects) zones.set(s.utcOffsetMin, [...(zones.get(s.utcOffsetMin) ?? []), s.id]);
  const parts = [...zones].flatMap(([off, ids]) => {
    const lo = localDay(range.from, off);
    const hi = localDay(range.to, off);
    const since = Date.parse(`${lo}T00:00:00Z`) - off * MIN;
    const list = sql.join(ids);
    return [
      sql`select installation_id, login, 0 as searches, sum(docs_counted) as documents from user_usage_daily
        where installation_id in (${list}) and day >= ${lo} and day <= ${hi} and docs_counted > 0
        group by installation_id, login`,
      sql`select installation_id, login, count(*) as searches, 0 as documents from search_log
        where installation_id in (${list}) and at >= ${since} and at <= ${range.to} and type = 'intelligent'
        group by installation_id, login`,
    ];
  });
  const domain = sql`coalesce(u.domain, ${UNDEFINED_DOMAIN})`;
  const r = await sql<{
    installation_id: number;
    login: string;
    domain: string;
    searches: number;
    documents: number;
  }>`
    select t.installation_id, t.login, ${domain} as domain, sum(t.searches) as searches,
      sum(t.documents) as documents
    from (${sql.join(parts, sql` union all `)}) t
    left join installation_users u on u.installation_id = t.installation_id and u.login = t.login
    ${domains ? sql`where ${domain} in (${sql.join(domains)})` : sql``}
    group by t.installation_id, t.login, u.domain
    having sum(t.searches) + sum(t.documents) > 0
    order by sum(t.searches) + sum(t.documents) desc, ${byteOrder(ctx.dbKind, sql`t.login`)}, t.installation_id
    limit ${n}`.execute(ctx.db);
  return r.rows.map((x) => ({
    id: Number(x.installation_id),
    login: x.login,
    domain: x.domain,
    searches: Number(x.searches),
    documents: Number(x.documents),
  }));
}

/** Exact intelligent searches and counted documents of some users over their zone's window. */
async function exactActivity(
  ctx: AppContext,
  users: { installation_id: number; login: string }[],
  zoneOf: Map<number, ZoneWindow>,
): Promise<Map<string, { searches: number; documents: number }>> {
  const out = new Map<string, { searches: number; documents: number }>();
  const wanted = new Set(users.map((u) => `${Number(u.installation_id)}\u0000${u.login}`));
  const add = (id: number, login: string, searches: number, documents: number) => {
    const k = `${Number(id)}\u0000${login}`;
    // The reads below match installations and logins separately, a superset of the pairs.
    if (!wanted.has(k)) return;
    const e = out.get(k) ?? { searches: 0, documents: 0 };
    e.searches += Number(searches);
    e.documents += Number(documents);
    out.set(k, e);
  };
  const byZone = new Map<ZoneWindow, { installation_id: number; login: string }[]>();
  for (const u of users) {
    const w = zoneOf.get(Number(u.installation_id))!;
    byZone.set(w, [...(byZone.get(w) ?? []), u]);
  }
  for (const [w, list] of byZone) {
    const logins = sql.join([...new Set(list.map((u) => u.login))]);
    const ids = sql.join([...new Set(list.map((u) => Number(u.installation_id)))]);
    const parts = [];
    if (w.whole)
      parts.push(sql`select installation_id, login, sum(intelligent_searches) as searches,
          sum(docs_counted) as documents
        from user_usage_monthly
        where installation_id in (${ids}) and login in (${logins})
          and month >= ${w.whole.from} and month <= ${w.whole.to}
        group by installation_id, login`);
    for (const e of w.edges) {
      parts.push(sql`select installation_id, login, 0 as searches, sum(docs_counted) as documents
        from user_usage_daily
        where installation_id in (${ids}) and login in (${logins})
          and day >= ${e.lo} and day <= ${e.hi}
        group by installation_id, login`);
      parts.push(sql`select installation_id, login, count(*) as searches, 0 as documents
        from search_log
        where installation_id in (${ids}) and at >= ${e.since} and at <= ${e.until}
          and type = ${INTELLIGENT} and login in (${logins})
        group by installation_id, login`);
    }
    if (parts.length === 0) continue;
    const r = await sql<{ installation_id: number; login: string; searches: number; documents: number }>`
      ${sql.join(parts, sql` union all `)}`.execute(ctx.db);
    for (const x of r.rows) add(x.installation_id, x.login, x.searches, x.documents);
  }
  return out;
}
