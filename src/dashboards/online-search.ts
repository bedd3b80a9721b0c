/**
 * «Поисковые запросы. Онлайн.» (spec online-managers §4.3): the search log of the visible online
 * accesses (`online_search_log`, stored nightly by the poller), newest first, a page at a time, with
 * the spec's variables (ЮрЛицо, Менеджер, Пользователь, Источник запросов = the DC server, Каталог,
 * Статус поиска, ТипПоиска), and the searches and empty searches per day.
 *
 * The log's only index is (online_access_id, day), `day` being the access's local date, so every read
 * goes through it:
 * - a page is read in time windows, newest first; each window's local days are computed per time zone
 *   of the accesses (one index range per zone), and `at` bounds it exactly. A window that comes back
 *   short tells how dense the log is, which sizes the next one (at most ×8), until `from`;
 * - paging is by a keyset cursor (the last row's at and id), never by offset;
 * - the per-day counts are one grouped read of the range's local days, on the first page only, from
 *   the daily counts (`online_search_daily`, migration 0010); a filter on the rows themselves (user,
 *   type, text) has to count the log instead.
 */
import { sql, type Expression, type SqlBool } from 'kysely';
import type { AppContext } from '../context.js';
import { idIn, type DbKind } from '../db/dialect.js';
import { ValidationError } from '../lib/errors.js';
import { ROLLUP_OFFSET_MIN } from '../metrics/rollup.js';
import type { Actor } from '../tenancy/scope.js';
import type { Aligned } from './contract.js';
import {
  ONLINE_SEARCH_DEFAULT_RANGE_MS,
  ONLINE_SEARCH_PAGE_DEFAULT,
  ONLINE_SEARCH_TYPES,
  type OnlineSearchOut,
  type OnlineSearchQuery,
  type OnlineSearchRow,
} from './contract-online-search.js';
import { bucketStarts, chooseStep, resolveRange, type Range } from './range.js';
import { chunked } from './rank.js';
import { visibleOnlineAccesses, type OnlineSubject } from './subjects.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const AXIS_OFFSET_MS = ROLLUP_OFFSET_MIN * MIN;
/** The first window of a page; later ones are sized from what the previous held. */
const FIRST_WINDOW_MS = DAY;
/** A window at most this many times longer than the previous one. */
const MAX_GROWTH = 8;

/** Calendar date (`YYYY-MM-DD`) of an instant `offsetMs` east of UTC. */
function dateAt(ms: number, offsetMs: number): string {
  return new Date(ms + offsetMs).toISOString().slice(0, 10);
}

interface Cursor {
  at: number;
  id: number;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.at, c.id]), 'utf8').toString('base64url');
}

function decodeCursor(s: string): Cursor {
  try {
    const v: unknown = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && Number.isSafeInteger(v[0]) && Number.isSafeInteger(v[1]))
      return { at: v[0] as number, id: v[1] as number };
  } catch {
    // reported below
  }
  throw ValidationError.about('cursor', 'must be a nextCursor of a previous answer');
}

const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort((a, b) => a.localeCompare(b, 'ru'));

/** Accesses grouped by time zone (minutes east of UTC): a zone's local days are one index range. */
async function byZone(ctx: AppContext, ids: readonly number[]): Promise<Map<number, number[]>> {
  const out = new Map<number, number[]>();
  for (const part of chunked(ids)) {
    const rows = await ctx.db
      .selectFrom('online_accesses')
      .select(['id', 'utc_offset_min'])
      .where('id', 'in', part)
      .execute();
    for (const r of rows) {
      const list = out.get(r.utc_offset_min) ?? [];
      list.push(Number(r.id));
      out.set(r.utc_offset_min, list);
    }
  }
  return out;
}

/** The entries of [lo, hi] of the accesses, through the index: per zone, its local days of the span. */
function inSpan(
  kind: DbKind,
  zones: ReadonlyMap<number, number[]>,
  lo: number,
  hi: number,
): Expression<SqlBool> {
  const parts = [...zones].map(
    ([offset, ids]) =>
      sql<SqlBool>`(${idIn(kind, 'l.online_access_id', ids)} and l.day >= ${dateAt(lo, offset * MIN)}
        and l.day <= ${dateAt(hi, offset * MIN)})`,
  );
  return sql<SqlBool>`(${sql.join(parts, sql` or `)})`;
}

/** The row filters other than the status (which the per-day counts split by instead). */
function filters(ctx: AppContext, q: OnlineSearchQuery): Expression<SqlBool>[] {
  const out: Expression<SqlBool>[] = [];
  if (q.type?.length) out.push(sql<SqlBool>`l.type in (${sql.join(q.type)})`);
  if (q.user?.length) out.push(sql<SqlBool>`l.user_name in (${sql.join(q.user)})`);
  if (q.text !== undefined)
    out.push(
      ctx.dbKind === 'sqlite'
        ? sql<SqlBool>`instr(l.query, ${q.text}) > 0`
        : sql<SqlBool>`strpos(l.query, ${q.text}) > 0`,
    );
  return out;
}

interface LogRow {
  id: number;
  online_access_id: number;
  at: number;
  user_name: string;
  query: string;
  type: string;
  status: string;
}

/** Up to `n` rows of [lo, hi] (or [lo, hi)), after the cursor, newest first. */
async function window(
  ctx: AppContext,
  zones: ReadonlyMap<number, number[]>,
  q: OnlineSearchQuery,
  lo: number,
  hi: number,
  inclusive: boolean,
  cursor: Cursor | null,
  n: number,
): Promise<LogRow[]> {
  const where = [
    inSpan(ctx.dbKind, zones, lo, hi),
    sql<SqlBool>`l.at >= ${lo}`,
    inclusive ? sql<SqlBool>`l.at <= ${hi}` : sql<SqlBool>`l.at < ${hi}`,
    ...filters(ctx, q),
  ];
  if (cursor)
    where.push(sql<SqlBool>`(l.at < ${cursor.at} or (l.at = ${cursor.at} and l.id < ${cursor.id}))`);
  if (q.status?.length) where.push(sql<SqlBool>`l.status in (${sql.join(q.status)})`);
  const rows = await sql<LogRow>`
    select l.id, l.online_access_id, l.at, l.user_name, l.query, l.type, l.status
    from online_search_log l
    where ${sql.join(where, sql` and `)}
    order by l.at desc, l.id desc
    limit ${n}`.execute(ctx.db);
  return rows.rows.map((r) => ({
    ...r,
    id: Number(r.id),
    online_access_id: Number(r.online_access_id),
    at: Number(r.at),
  }));
}

/** Up to `want` rows, newest first, window by window (see the header). */
async function pageOfLog(
  ctx: AppContext,
  zones: ReadonlyMap<number, number[]>,
  range: Range,
  q: OnlineSearchQuery,
  cursor: Cursor | null,
  want: number,
): Promise<LogRow[]> {
  let hi = cursor ? Math.min(range.to, cursor.at) : range.to;
  if (hi < range.from) return [];
  const out: LogRow[] = [];
  let span = FIRST_WINDOW_MS;
  let first = true;
  for (;;) {
    const lo = Math.max(range.from, hi - span);
    const need = want - out.length;
    const rows = await window(ctx, zones, q, lo, hi, first, first ? cursor : null, need);
    out.push(...rows);
    if (out.length >= want || lo <= range.from) break;
    // The window held all its matches: that density sizes the next one, with some slack.
    const wanted = rows.length > 0 ? ((want - out.length) / rows.length) * (hi - lo) * 1.5 : Infinity;
    span = Math.min(Math.max(wanted, hi - lo), (hi - lo) * MAX_GROWTH);
    hi = lo;
    first = false;
  }
  return out;
}

/** The newest local day whose log is stored, over the accesses (null: none stored yet). */
async function collectedThrough(ctx: AppContext, ids: readonly number[]): Promise<string | null> {
  let through: string | null = null;
  for (const part of chunked(ids, 2000)) {
    const r = await ctx.db
      .selectFrom('online_state')
      .select((eb) => eb.fn.max('searchlog_through').as('through'))
      .where('online_access_id', 'in', part)
      .executeTakeFirst();
    if (r?.through && (through === null || r.through > through)) through = r.through;
  }
  return through;
}

/**
 * Searches and empty searches per day, whole local days of the range (an access's local day D on
 * axis day D, as the installations' search log); daily, or weekly (Monday) from about 200 days on.
 * A day without a search is 0 between the first day with one and the last day the log is stored
 * for; before and after, a gap (not yet monitored, not yet collected: the log comes at night).
 */
async function perDay(
  ctx: AppContext,
  ids: readonly number[],
  q: OnlineSearchQuery,
  range: Range,
): Promise<Aligned> {
  const step = chooseStep(range, 200, DAY);
  const starts = bucketStarts(range, step, ROLLUP_OFFSET_MIN);
  const byDay = new Map<string, { searches: number; empty: number }>();
  const firstDay = dateAt(range.from, AXIS_OFFSET_MS);
  const lastDay = dateAt(range.to, AXIS_OFFSET_MS);
  const through = await collectedThrough(ctx, ids);
  const rowFilters = filters(ctx, q);
  for (const part of chunked(ids, 2000)) {
    const where = [
      sql<SqlBool>`l.online_access_id in (${sql.join(part)})`,
      sql<SqlBool>`l.day >= ${firstDay}`,
      sql<SqlBool>`l.day <= ${lastDay}`,
      ...rowFilters,
    ];
    // Without a filter on the rows themselves, the daily counts (online_search_daily) answer it.
    const rows =
      rowFilters.length === 0
        ? await sql<{ day: string; searches: number; empty: number }>`
            select l.day, sum(l.searches) as searches, sum(l.empty_searches) as empty
            from online_search_daily l
            where ${sql.join(where, sql` and `)}
            group by l.day`.execute(ctx.db)
        : await sql<{ day: string; searches: number; empty: number }>`
            select l.day, count(*) as searches, sum(case when l.status = 'empty' then 1 else 0 end) as empty
            from online_search_log l
            where ${sql.join(where, sql` and `)}
            group by l.day`.execute(ctx.db);
    for (const r of rows.rows) {
      const e = byDay.get(r.day) ?? { searches: 0, empty: 0 };
      e.searches += Number(r.searches);
      e.empty += Number(r.empty);
      byDay.set(r.day, e);
    }
  }
  const logged = [...byDay.keys()].sort();
  const from = logged[0];
  const until = [through ?? '', logged.at(-1) ?? ''].sort().at(-1)!;
  const values = (f: 'searches' | 'empty') =>
    starts.map((st) => {
      let sum: number | null = null;
      for (let k = 0; k < step / DAY; k += 1) {
        const day = dateAt(st + k * DAY, AXIS_OFFSET_MS);
        if (from === undefined || day < from || day > until || day < firstDay || day > lastDay) continue;
        sum = (sum ?? 0) + (byDay.get(day)?.[f] ?? 0);
      }
      return sum;
    });
  return {
    step,
    timestamps: starts,
    series:
      from === undefined
        ? []
        : [
            { key: 'searches', label: 'Все поиски', values: values('searches') },
            { key: 'empty', label: 'Пустой поиск', values: values('empty') },
          ],
    total: from === undefined ? 0 : 2,
  };
}

/** The page's rows with the client, the access and its managers. */
async function describe(
  ctx: AppContext,
  subjects: readonly OnlineSubject[],
  page: readonly LogRow[],
): Promise<OnlineSearchRow[]> {
  if (page.length === 0) return [];
  const byId = new Map(subjects.map((s) => [s.id, s]));
  const ids = [...new Set(page.map((r) => r.online_access_id))];
  const links = await ctx.db
    .selectFrom('online_access_managers as l')
    .innerJoin('managers as m', 'm.id', 'l.manager_id')
    .select(['l.online_access_id', 'm.name'])
    .where('l.online_access_id', 'in', ids)
    .execute();
  const managersOf = new Map<number, string[]>();
  for (const l of links) {
    const id = Number(l.online_access_id);
    managersOf.set(id, [...(managersOf.get(id) ?? []), l.name]);
  }
  return page.map((r) => {
    const a = byId.get(r.online_access_id)!;
    return {
      id: r.id,
      at: r.at,
      onlineAccessId: a.id,
      clientId: a.clientId,
      client: a.client,
      login: a.login,
      host: a.host,
      catalog: a.catalog,
      user: r.user_name,
      query: r.query,
      type: r.type,
      status: r.status,
      managers: sorted(managersOf.get(a.id) ?? []),
    };
  });
}

export async function onlineSearch(
  ctx: AppContext,
  actor: Actor,
  q: OnlineSearchQuery,
  now: number,
): Promise<OnlineSearchOut> {
  const range = resolveRange(q, now, ONLINE_SEARCH_DEFAULT_RANGE_MS);
  const limit = q.limit ?? ONLINE_SEARCH_PAGE_DEFAULT;
  const cursor = q.cursor === undefined ? null : decodeCursor(q.cursor);
  // The selectors' choices come from the accesses before Каталог and Источник narrow them.
  const inScope = await visibleOnlineAccesses(ctx, actor, q);
  const catalogs = q.catalog?.length ? new Set(q.catalog) : null;
  const servers = q.server?.length ? new Set(q.server) : null;
  const subjects = inScope.filter(
    (a) => (!catalogs || catalogs.has(a.catalog)) && (!servers || servers.has(a.host)),
  );
  const ids = subjects.map((a) => a.id);

  const [zones, chart] = await Promise.all([
    byZone(ctx, ids),
    cursor === null ? perDay(ctx, ids, q, range) : null,
  ]);
  const found = ids.length === 0 ? [] : await pageOfLog(ctx, zones, range, q, cursor, limit + 1);
  const page = found.slice(0, limit);
  const rows = await describe(ctx, subjects, page);
  const last = page.at(-1);
  return {
    from: range.from,
    to: range.to,
    rows,
    nextCursor: found.length > limit && last ? encodeCursor({ at: last.at, id: last.id }) : null,
    perDay: chart,
    options: {
      users: sorted([...inScope.map((a) => a.login), ...(q.user ?? []), ...rows.map((r) => r.user)]),
      catalogs: sorted(inScope.map((a) => a.catalog)),
      servers: sorted(inScope.map((a) => a.host)),
      types: sorted([...ONLINE_SEARCH_TYPES, ...(q.type ?? []), ...rows.map((r) => r.type)]),
    },
  };
}
