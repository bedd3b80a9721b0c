/**
 * «Поисковые запросы» (spec installations §3.8): the search log of the visible installations, newest
 * first, a page at a time, with the filters of the spec's variables (status — «Пустой поиск» is
 * `status=empty` —, type, source, catalog, user, query text), and the searches and empty searches per
 * day.
 *
 * The log is big (17.8 M rows for 1,000 installations over 13 months), so a page never scans it:
 * - rows are read through the log's key (installation_id, at, login, query) in time windows, newest
 *   first: the window is sized from the daily rollup's counts (`installation_usage_daily`) so that it
 *   holds about a page, widened (×4 each time) while filters leave it short, and stops at `from`;
 * - paging is by a keyset cursor (the last row's at, installation, login, query), never by offset;
 * - the per-day counts come from the rollup, not from the log.
 */
import { sql, type SqlBool } from 'kysely';
import type { AppContext } from '../context.js';
import { ValidationError } from '../lib/errors.js';
import { ROLLUP_OFFSET_MIN } from '../metrics/rollup.js';
import type { Actor } from '../tenancy/scope.js';
import type { Aligned } from './contract.js';
import {
  SEARCH_DEFAULT_RANGE_MS,
  SEARCH_PAGE_DEFAULT,
  type SearchQueriesOut,
  type SearchQueriesQuery,
  type SearchRow,
} from './contract-search.js';
import { bucketStarts, chooseStep, resolveRange, type Range } from './range.js';
import { visibleInstallations, type InstallationSubject } from './subjects.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const OFFSET_MS = ROLLUP_OFFSET_MIN * 60_000;
/** A local day starts at most this long before its UTC midnight (UTC+14). */
const MAX_AHEAD_MS = 14 * HOUR;

/** Calendar date (`YYYY-MM-DD`) of an instant on the dashboards' axis (Moscow). */
export function axisDate(ms: number): string {
  return new Date(ms + OFFSET_MS).toISOString().slice(0, 10);
}

export function addDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
}

interface Cursor {
  at: number;
  installationId: number;
  login: string;
  query: string;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.at, c.installationId, c.login, c.query]), 'utf8').toString(
    'base64url',
  );
}

function decodeCursor(s: string): Cursor {
  try {
    const v: unknown = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    if (
      Array.isArray(v) &&
      v.length === 4 &&
      Number.isSafeInteger(v[0]) &&
      Number.isSafeInteger(v[1]) &&
      typeof v[2] === 'string' &&
      typeof v[3] === 'string'
    )
      return { at: v[0] as number, installationId: v[1] as number, login: v[2], query: v[3] };
  } catch {
    // reported below
  }
  throw ValidationError.about('cursor', 'must be a nextCursor of a previous answer');
}

export async function searchQueries(
  ctx: AppContext,
  actor: Actor,
  q: SearchQueriesQuery,
  now: number,
): Promise<SearchQueriesOut> {
  const range = resolveRange(q, now, SEARCH_DEFAULT_RANGE_MS);
  const limit = q.limit ?? SEARCH_PAGE_DEFAULT;
  const cursor = q.cursor === undefined ? null : decodeCursor(q.cursor);
  const subjects = await visibleInstallations(ctx, actor, q);
  const ids = subjects.map((s) => s.id);
  const step = chooseStep(range, 200, DAY);
  const starts = bucketStarts(range, step, ROLLUP_OFFSET_MIN);
  // One read of the daily sums serves both the chart and the sizing of the log's windows.
  const sums = await daySums(
    ctx,
    ids,
    [axisDate(starts[0]!), addDays(axisDate(range.from), -1)].sort()[0]!,
    addDays(axisDate(range.to), 1),
  );
  const perDay = searchesPerDay(sums, range, step, starts);
  if (ids.length === 0) return { from: range.from, to: range.to, rows: [], nextCursor: null, perDay };

  const found = await pageOfLog(ctx, ids, range, q, cursor, limit + 1, sums);
  const more = found.length > limit;
  const page = found.slice(0, limit);
  const rows = await describe(ctx, subjects, page);
  const last = page.at(-1);
  const nextCursor =
    more && last
      ? encodeCursor({
          at: last.at,
          installationId: last.installation_id,
          login: last.login,
          query: last.query,
        })
      : null;
  return { from: range.from, to: range.to, rows, nextCursor, perDay };
}

interface LogRow {
  installation_id: number;
  at: number;
  login: string;
  query: string;
  catalog: string | null;
  type: string;
  source: string;
  status: string;
  duration_ms: number | null;
}

/** Up to `want` rows of the log, newest first, read window by window (see the header). */
async function pageOfLog(
  ctx: AppContext,
  ids: number[],
  range: Range,
  q: SearchQueriesQuery,
  cursor: Cursor | null,
  want: number,
  sums: ReadonlyMap<string, DaySums>,
): Promise<LogRow[]> {
  const hi = cursor ? Math.min(range.to, cursor.at) : range.to;
  if (hi < range.from) return [];
  // The rollup counts what only `status=empty` (or nothing) selects; other filters make it an upper bound.
  const onlyEmpty = q.status?.length === 1 && q.status[0] === 'empty';
  const exact =
    (!q.status || q.status.length === 0 || onlyEmpty) &&
    !q.type?.length &&
    !q.source?.length &&
    !q.catalog?.length &&
    !q.user?.length &&
    q.text === undefined;
  const firstDay = addDays(axisDate(range.from), -1);
  const lastDay = addDays(axisDate(hi), 1);
  // Days with searches, newest first: how many rows each may hold.
  const days = [...sums]
    .filter(([day, v]) => day >= firstDay && day <= lastDay && v.searches > 0)
    .sort((x, y) => (x[0] < y[0] ? 1 : x[0] > y[0] ? -1 : 0))
    .map(([day, v]) => ({ start: Date.parse(`${day}T00:00:00Z`), n: onlyEmpty ? v.empty : v.searches }));

  const out: LogRow[] = [];
  let upper = hi;
  let inclusive = true;
  let factor = 1;
  let d = 0;
  while (out.length < want) {
    const target = (want - out.length) * factor;
    let acc = 0;
    let lo = range.from;
    while (d < days.length) {
      const day = days[d]!;
      d += 1;
      if (day.start - MAX_AHEAD_MS >= upper) continue;
      acc += day.n;
      if (acc >= target) {
        lo = Math.max(range.from, day.start - MAX_AHEAD_MS);
        break;
      }
    }
    out.push(
      ...(await window(ctx, ids, q, lo, upper, inclusive, inclusive ? cursor : null, want - out.length)),
    );
    if (lo <= range.from) break;
    upper = lo;
    inclusive = false;
    if (!exact) factor *= 4;
  }
  return out;
}

/** Rows of [lo, upper] (or [lo, upper)), after the cursor, newest first. */
async function window(
  ctx: AppContext,
  ids: number[],
  q: SearchQueriesQuery,
  lo: number,
  upper: number,
  inclusive: boolean,
  cursor: Cursor | null,
  n: number,
): Promise<LogRow[]> {
  let query = ctx.db
    .selectFrom('search_log as s')
    .select([
      's.installation_id',
      's.at',
      's.login',
      's.query',
      's.catalog',
      's.type',
      's.source',
      's.status',
      's.duration_ms',
    ])
    .where('s.installation_id', 'in', ids)
    .where('s.at', '>=', lo)
    .where('s.at', inclusive ? '<=' : '<', upper);
  if (cursor) {
    const c = cursor;
    query = query.where(
      sql<SqlBool>`(s.at < ${c.at} or (s.at = ${c.at} and (s.installation_id < ${c.installationId}
        or (s.installation_id = ${c.installationId} and (s.login < ${c.login}
        or (s.login = ${c.login} and s.query < ${c.query}))))))`,
    );
  }
  if (q.status?.length) query = query.where('s.status', 'in', q.status);
  if (q.type?.length) query = query.where('s.type', 'in', q.type);
  if (q.source?.length) query = query.where('s.source', 'in', q.source);
  if (q.catalog?.length) query = query.where('s.catalog', 'in', q.catalog);
  if (q.user?.length) query = query.where('s.login', 'in', q.user);
  if (q.text !== undefined) {
    const text = q.text;
    query = query.where(
      ctx.dbKind === 'sqlite'
        ? sql<SqlBool>`instr(s.query, ${text}) > 0`
        : sql<SqlBool>`strpos(s.query, ${text}) > 0`,
    );
  }
  const rows = await query
    .orderBy('s.at', 'desc')
    .orderBy('s.installation_id', 'desc')
    .orderBy('s.login', 'desc')
    .orderBy('s.query', 'desc')
    .limit(n)
    .execute();
  return rows.map((r) => ({
    ...r,
    installation_id: Number(r.installation_id),
    at: Number(r.at),
    duration_ms: r.duration_ms === null ? null : Number(r.duration_ms),
  }));
}

/** The page's rows with the client, its managers, the sysinfo legal name and the users' domains. */
async function describe(
  ctx: AppContext,
  subjects: InstallationSubject[],
  page: LogRow[],
): Promise<SearchRow[]> {
  if (page.length === 0) return [];
  const byId = new Map(subjects.map((s) => [s.id, s]));
  const instIds = [...new Set(page.map((r) => r.installation_id))];
  const clientIds = [...new Set(instIds.map((id) => byId.get(id)!.clientId))];
  const logins = [...new Set(page.map((r) => r.login))];
  const [states, managers, users] = await Promise.all([
    ctx.db
      .selectFrom('installation_state')
      .select(['installation_id', 'client_name'])
      .where('installation_id', 'in', instIds)
      .execute(),
    ctx.db
      .selectFrom('client_managers as cm')
      .innerJoin('managers as m', 'm.id', 'cm.manager_id')
      .select(['cm.client_id', 'm.name'])
      .where('cm.client_id', 'in', clientIds)
      .orderBy('m.name')
      .execute(),
    ctx.db
      .selectFrom('installation_users')
      .select(['installation_id', 'login', 'domain'])
      .where('installation_id', 'in', instIds)
      .where('login', 'in', logins)
      .execute(),
  ]);
  const clientname = new Map(states.map((r) => [Number(r.installation_id), r.client_name]));
  const managersOf = new Map<number, string[]>();
  for (const r of managers) {
    const id = Number(r.client_id);
    managersOf.set(id, [...(managersOf.get(id) ?? []), r.name]);
  }
  const domainOf = new Map(users.map((u) => [`${Number(u.installation_id)}\u0000${u.login}`, u.domain]));
  return page.map((r) => {
    const s = byId.get(r.installation_id)!;
    return {
      at: r.at,
      installationId: s.id,
      clientId: s.clientId,
      client: s.client,
      clientname: clientname.get(s.id) ?? null,
      host: s.host,
      managers: managersOf.get(s.clientId) ?? [],
      login: r.login,
      domain: domainOf.get(`${s.id}\u0000${r.login}`) ?? null,
      query: r.query,
      catalog: r.catalog,
      type: r.type,
      source: r.source,
      status: r.status,
      durationMs: r.duration_ms,
    };
  });
}

interface DaySums {
  searches: number;
  empty: number;
}

/** Searches and empty searches per local day of the ПК over the installations, in [lo, hi]. */
async function daySums(
  ctx: AppContext,
  ids: number[],
  lo: string,
  hi: string,
): Promise<Map<string, DaySums>> {
  if (ids.length === 0) return new Map();
  const rows = await sql<{ day: string; searches: number; empty: number }>`
    select day, sum(searches) as searches, sum(empty_searches) as empty
    from installation_usage_daily
    where installation_id in (${sql.join(ids)}) and day >= ${lo} and day <= ${hi}
    group by day`.execute(ctx.db);
  return new Map(rows.rows.map((r) => [r.day, { searches: Number(r.searches), empty: Number(r.empty) }]));
}

/**
 * Searches and empty searches per day over the installations, from the daily rollup (an installation's
 * local day D on axis day D). Daily, or weekly (Monday) from about 200 days on; a bucket none of whose
 * days has a row (no report, no search) is null.
 */
function searchesPerDay(
  byDay: ReadonlyMap<string, DaySums>,
  range: Range,
  step: number,
  starts: number[],
): Aligned {
  const toDay = axisDate(range.to);
  const values = (f: 'searches' | 'empty') =>
    starts.map((st) => {
      let sum: number | null = null;
      for (let k = 0; k < step / DAY; k += 1) {
        const day = axisDate(st + k * DAY);
        const v = day <= toDay ? byDay.get(day) : undefined;
        if (v) sum = (sum ?? 0) + v[f];
      }
      return sum;
    });
  return {
    step,
    timestamps: starts,
    series: [
      { key: 'searches', label: 'Все поиски', values: values('searches') },
      { key: 'empty', label: 'Пустой поиск', values: values('empty') },
    ],
    total: 2,
  };
}
