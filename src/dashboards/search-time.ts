/**
 * «Время выполнения поисковых запросов» (spec online-managers §4.10): the searches of the visible
 * installations that ran longer than the threshold, and the analysis the spec prescribes — how many
 * queries are over it against under it, which users make the most of them, and what those queries look
 * like (length, words, separators, long dashes, empty searches).
 *
 * The search log is the biggest table (about 18 M rows for 1,000 installations over 13 months) and has
 * no index on the duration, so every read goes through its key `search_log_identity` (installation_id,
 * at, login, query) over one time window, and that window is bounded: it is sized from the daily
 * rollup's search counts (`installation_usage_daily`, newest day first) to hold at most
 * `SEARCH_TIME_SCAN_BUDGET` searches. On a range that holds more, only its newest part is analysed and
 * the answer says which (`analysed`). Three reads of that window, all grouped or limited in SQL:
 * - the count (and the mean length and words) of every query in it;
 * - the queries over the threshold grouped by installation, catalog, login and bucket (as many groups as
 *   such queries at most): the points panel, the users, the traits;
 * - one page of the «Запросы» table, the longest first, by a keyset cursor.
 */
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { AppContext } from '../context.js';
import { ValidationError } from '../lib/errors.js';
import { ROLLUP_OFFSET_MIN } from '../metrics/rollup.js';
import type { Actor } from '../tenancy/scope.js';
import { DEFAULT_SERIES_LIMIT, type Aligned } from './contract.js';
import {
  LONG_TEXT_WORDS,
  MANY_SEPARATORS,
  SEARCH_TIME_DEFAULT_RANGE_MS,
  SEARCH_TIME_DEFAULT_THRESHOLD_S,
  SEARCH_TIME_PAGE_DEFAULT,
  SEARCH_TIME_TOP_USERS,
  type SearchTimeOut,
  type SearchTimeQuery,
  type SearchTimeRow,
  type SlowUser,
} from './contract-search-time.js';
import { bucketStarts, chooseStep, resolveRange, type Range } from './range.js';
import { rank } from './series-read.js';
import { visibleInstallations, type InstallationSubject } from './subjects.js';

const MIN = 60_000;
const DAY = 86_400_000;
const OFFSET_MS = ROLLUP_OFFSET_MIN * 60_000;

/** Searches one answer reads at most: a day of 1,000 installations (about 45,000) fits. */
export const SEARCH_TIME_SCAN_BUDGET = 60_000;
/** Points of the panel at most (5 min buckets for a day). */
const MAX_POINTS = 300;
/** Characters that split a document number: `ПНД Ф 14.1:2:3:4..112-2023`. */
const SEPARATORS = ['.', ',', ':', ';', '/', '\\', '-', '\u2013', '\u2014', '_'];
const LONG_DASHES = ['\u2013', '\u2014'];

function axisDate(ms: number): string {
  return new Date(ms + OFFSET_MS).toISOString().slice(0, 10);
}

function addDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
}

// ---------------------------------------------------------------- the table's cursor

interface Cursor {
  durationMs: number;
  at: number;
  installationId: number;
  login: string;
  query: string;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(
    JSON.stringify([c.durationMs, c.at, c.installationId, c.login, c.query]),
    'utf8',
  ).toString('base64url');
}

function decodeCursor(s: string): Cursor {
  try {
    const v: unknown = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    if (
      Array.isArray(v) &&
      v.length === 5 &&
      Number.isSafeInteger(v[0]) &&
      Number.isSafeInteger(v[1]) &&
      Number.isSafeInteger(v[2]) &&
      typeof v[3] === 'string' &&
      typeof v[4] === 'string'
    )
      return {
        durationMs: v[0] as number,
        at: v[1] as number,
        installationId: v[2] as number,
        login: v[3],
        query: v[4],
      };
  } catch {
    // reported below
  }
  throw ValidationError.about('cursor', 'must be a nextCursor of a previous answer');
}

// ---------------------------------------------------------------- the dashboard

interface Filters {
  ids: number[];
  window: Range;
  status: readonly string[] | undefined;
  catalog: readonly string[] | undefined;
  thresholdMs: number;
}

export async function searchTime(
  ctx: AppContext,
  actor: Actor,
  q: SearchTimeQuery,
  now: number,
  /** Tests shrink the scan budget to see the bound at work. */
  opts: { scanBudget?: number } = {},
): Promise<SearchTimeOut> {
  const range = resolveRange(q, now, SEARCH_TIME_DEFAULT_RANGE_MS);
  const thresholdS = q.threshold ?? SEARCH_TIME_DEFAULT_THRESHOLD_S;
  const limit = q.limit ?? DEFAULT_SERIES_LIMIT;
  const pageSize = q.pageSize ?? SEARCH_TIME_PAGE_DEFAULT;
  const cursor = q.cursor === undefined ? null : decodeCursor(q.cursor);
  const subjects = await visibleInstallations(ctx, actor, q);
  const ids = subjects.map((s) => s.id);

  const budget = opts.scanBudget ?? SEARCH_TIME_SCAN_BUDGET;
  const lo = ids.length > 0 ? await windowStart(ctx, ids, range, budget) : range.from;
  const window = { from: lo, to: range.to };
  const step = chooseStep(window, MAX_POINTS, MIN);
  const starts = bucketStarts(window, step, ROLLUP_OFFSET_MIN);
  const f: Filters = {
    ids,
    window,
    status: q.status?.length ? q.status : undefined,
    catalog: q.catalog?.length ? q.catalog : undefined,
    thresholdMs: thresholdS * 1000,
  };
  const [catalogs, totals, groups, page] = await Promise.all([
    catalogsOf(ctx, ids),
    totalsOf(ctx, f),
    slowGroups(ctx, f, starts[0]!, step),
    pageOf(ctx, f, cursor, pageSize + 1),
  ]);

  const byId = new Map(subjects.map((s) => [s.id, s]));
  const agg = aggregate(groups);
  const more = page.length > pageSize;
  const shown = page.slice(0, pageSize);
  const last = shown.at(-1);
  return {
    from: range.from,
    to: range.to,
    thresholdS,
    analysed: { from: window.from, to: window.to, complete: window.from <= range.from },
    counts: { all: totals.n, over: agg.over, under: Math.max(0, totals.n - agg.over) },
    slow: slowSeries(agg, byId, starts, step, limit),
    users: topUsers(agg, byId),
    traits: {
      slow: {
        queries: agg.over,
        avgLength: mean(agg.traits.length, agg.over),
        avgWords: mean(agg.traits.spaces + agg.over, agg.over),
        avgSeparators: mean(agg.traits.separators, agg.over),
        longText: agg.traits.longText,
        manySeparators: agg.traits.manySeparators,
        longDash: agg.traits.longDash,
        empty: agg.traits.empty,
      },
      all: {
        queries: totals.n,
        avgLength: mean(totals.length, totals.n),
        avgWords: mean(totals.spaces + totals.n, totals.n),
      },
    },
    rows: shown.map((r) => describe(r, byId.get(r.installation_id)!)),
    nextCursor:
      more && last
        ? encodeCursor({
            durationMs: last.duration_ms,
            at: last.at,
            installationId: last.installation_id,
            login: last.login,
            query: last.query,
          })
        : null,
    catalogs,
  };
}

function mean(sum: number, n: number): number | null {
  return n > 0 ? Math.round((sum / n) * 10) / 10 : null;
}

// ---------------------------------------------------------------- the window

/**
 * The start of the newest part of the range that holds at most `budget` searches of
 * the installations, by the daily rollup read newest day first (a week, then four times more each
 * round). The range's first day counts in proportion to the part of it in the range; a day that does not
 * fit whole contributes its newest part, in proportion. The rollup's day is the ПК's local day, taken as
 * the axis (Moscow) day: an estimate, good for a bound.
 */
async function windowStart(ctx: AppContext, ids: number[], range: Range, budget: number): Promise<number> {
  const fromDay = axisDate(range.from);
  const toDay = axisDate(range.to);
  let acc = 0;
  let hi = toDay;
  let span = 7;
  while (hi >= fromDay) {
    const lo = [addDays(hi, 1 - span), fromDay].sort().at(-1)!;
    // The newest round also takes the local days ahead of Moscow (east of UTC+3) as today's.
    const counts = await searchesPerDay(ctx, ids, lo, hi === toDay ? addDays(toDay, 1) : hi);
    for (let d = hi; d >= lo; d = addDays(d, -1)) {
      const start = Date.parse(`${d}T00:00:00Z`) - OFFSET_MS;
      const a = Math.max(range.from, start);
      const b = Math.min(range.to, start + DAY);
      // The first day counts from the range's start on; the last one holds what is reported so far.
      const all = (counts.get(d) ?? 0) + (d === toDay ? (counts.get(addDays(toDay, 1)) ?? 0) : 0);
      const n = (all * (start + DAY - a)) / DAY;
      if (acc + n > budget) {
        const part = (budget - acc) / n;
        return Math.min(range.to, Math.max(range.from, Math.ceil(b - part * (b - a))));
      }
      acc += n;
    }
    hi = addDays(lo, -1);
    span *= 4;
  }
  return range.from;
}

/** Searches per (local) day over the installations, from the daily rollup. */
async function searchesPerDay(
  ctx: AppContext,
  ids: number[],
  lo: string,
  hi: string,
): Promise<Map<string, number>> {
  const rows = await sql<{ day: string; n: number }>`
    select day, sum(searches) as n
    from installation_usage_daily
    where installation_id in (${sql.join(ids)}) and day >= ${lo} and day <= ${hi}
    group by day`.execute(ctx.db);
  return new Map(rows.rows.map((r) => [r.day, Number(r.n)]));
}

// ---------------------------------------------------------------- the reads of the window

/** The conditions every read shares: the installations and the window (the key), status, catalog. */
function where(f: Filters): RawBuilder<SqlBool> {
  const parts = [
    sql`s.installation_id in (${sql.join(f.ids)})`,
    sql`s.at >= ${f.window.from}`,
    sql`s.at <= ${f.window.to}`,
  ];
  if (f.status) parts.push(sql`s.status in (${sql.join([...f.status])})`);
  if (f.catalog) parts.push(sql`s.catalog in (${sql.join([...f.catalog])})`);
  return sql<SqlBool>`${sql.join(parts, sql` and `)}`;
}

const spaces = sql`(length(s.query) - length(replace(s.query, ' ', '')))`;

/** Every query of the window: how many, and their summed length and spaces. */
async function totalsOf(ctx: AppContext, f: Filters): Promise<{ n: number; length: number; spaces: number }> {
  if (f.ids.length === 0) return { n: 0, length: 0, spaces: 0 };
  const r = await sql<{ n: number; len: number | null; sp: number | null }>`
    select count(*) as n, sum(length(s.query)) as len, sum(${spaces}) as sp
    from search_log s
    where ${where(f)}`.execute(ctx.db);
  const row = r.rows[0];
  return { n: Number(row?.n ?? 0), length: Number(row?.len ?? 0), spaces: Number(row?.sp ?? 0) };
}

interface SlowGroup {
  installationId: number;
  catalog: string | null;
  login: string;
  bucket: number;
  n: number;
  max: number;
  sum: number;
  length: number;
  spaces: number;
  separators: number;
  longText: number;
  manySeparators: number;
  longDash: number;
  empty: number;
}

/** The queries over the threshold, grouped by installation, catalog, login and bucket, in SQL. */
async function slowGroups(ctx: AppContext, f: Filters, first: number, step: number): Promise<SlowGroup[]> {
  if (f.ids.length === 0) return [];
  const sqlite = ctx.dbKind === 'sqlite';
  let stripped: RawBuilder<string> = sql`s.query`;
  if (sqlite) for (const c of SEPARATORS) stripped = sql`replace(${stripped}, ${sql.lit(c)}, '')`;
  else stripped = sql`translate(s.query, ${sql.lit(SEPARATORS.join(''))}, '')`;
  const separators = sql`(length(s.query) - length(${stripped}))`;
  const dash = sql.join(
    LONG_DASHES.map((c) =>
      sqlite ? sql`instr(s.query, ${sql.lit(c)}) > 0` : sql`strpos(s.query, ${sql.lit(c)}) > 0`,
    ),
    sql` or `,
  );
  const r = await sql<{
    installation_id: number;
    catalog: string | null;
    login: string;
    b: number;
    n: number;
    mx: number;
    sd: number;
    len: number;
    sp: number;
    sep: number;
    lt: number;
    ms: number;
    ld: number;
    em: number;
  }>`
    select s.installation_id, s.catalog, s.login, cast((s.at - ${first}) / ${step} as bigint) as b,
      count(*) as n, max(s.duration_ms) as mx, sum(s.duration_ms) as sd,
      sum(length(s.query)) as len, sum(${spaces}) as sp, sum(${separators}) as sep,
      sum(case when ${spaces} + 1 >= ${sql.lit(LONG_TEXT_WORDS)} then 1 else 0 end) as lt,
      sum(case when ${separators} >= ${sql.lit(MANY_SEPARATORS)} then 1 else 0 end) as ms,
      sum(case when ${dash} then 1 else 0 end) as ld,
      sum(case when s.status = 'empty' then 1 else 0 end) as em
    from search_log s
    where ${where(f)} and s.duration_ms > ${f.thresholdMs}
    group by 1, 2, 3, 4`.execute(ctx.db);
  return r.rows.map((x) => ({
    installationId: Number(x.installation_id),
    catalog: x.catalog,
    login: x.login,
    bucket: Number(x.b),
    n: Number(x.n),
    max: Number(x.mx),
    sum: Number(x.sd),
    length: Number(x.len),
    spaces: Number(x.sp),
    separators: Number(x.sep),
    longText: Number(x.lt),
    manySeparators: Number(x.ms),
    longDash: Number(x.ld),
    empty: Number(x.em),
  }));
}

interface LogRow {
  installation_id: number;
  at: number;
  login: string;
  query: string;
  catalog: string | null;
  status: string;
  duration_ms: number;
}

/** One page of the queries over the threshold, the longest first, after the cursor. */
async function pageOf(ctx: AppContext, f: Filters, cursor: Cursor | null, n: number): Promise<LogRow[]> {
  if (f.ids.length === 0) return [];
  const c = cursor;
  const after = c
    ? sql`and (s.duration_ms < ${c.durationMs} or (s.duration_ms = ${c.durationMs} and (s.at < ${c.at}
        or (s.at = ${c.at} and (s.installation_id < ${c.installationId}
        or (s.installation_id = ${c.installationId} and (s.login < ${c.login}
        or (s.login = ${c.login} and s.query < ${c.query}))))))))`
    : sql``;
  const r = await sql<LogRow>`
    select s.installation_id, s.at, s.login, s.query, s.catalog, s.status, s.duration_ms
    from search_log s
    where ${where(f)} and s.duration_ms > ${f.thresholdMs} ${after}
    order by s.duration_ms desc, s.at desc, s.installation_id desc, s.login desc, s.query desc
    limit ${n}`.execute(ctx.db);
  return r.rows.map((x) => ({
    ...x,
    installation_id: Number(x.installation_id),
    at: Number(x.at),
    duration_ms: Number(x.duration_ms),
  }));
}

async function catalogsOf(ctx: AppContext, ids: number[]): Promise<string[]> {
  if (ids.length === 0) return [];
  // The monitoring subsystem's catalog holds no documents: nobody searches it.
  const rows = await ctx.db
    .selectFrom('installation_catalogs')
    .select('path')
    .distinct()
    .where('installation_id', 'in', ids)
    .where('path', '<>', '/sysmon')
    .execute();
  return rows.map((r) => r.path).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

// ---------------------------------------------------------------- from the groups to the answer

interface Aggregate {
  over: number;
  series: Map<
    string,
    { installationId: number; catalog: string | null; max: number; buckets: Map<number, number> }
  >;
  users: Map<string, { installationId: number; login: string; n: number; max: number; sum: number }>;
  traits: Pick<
    SlowGroup,
    'length' | 'spaces' | 'separators' | 'longText' | 'manySeparators' | 'longDash' | 'empty'
  >;
}

function aggregate(groups: readonly SlowGroup[]): Aggregate {
  const out: Aggregate = {
    over: 0,
    series: new Map(),
    users: new Map(),
    traits: { length: 0, spaces: 0, separators: 0, longText: 0, manySeparators: 0, longDash: 0, empty: 0 },
  };
  for (const g of groups) {
    out.over += g.n;
    const sk = `${g.installationId}\u0000${g.catalog ?? ''}`;
    const s = out.series.get(sk) ?? {
      installationId: g.installationId,
      catalog: g.catalog,
      max: 0,
      buckets: new Map(),
    };
    s.max = Math.max(s.max, g.max);
    s.buckets.set(g.bucket, Math.max(s.buckets.get(g.bucket) ?? 0, g.max));
    out.series.set(sk, s);
    const uk = `${g.installationId}\u0000${g.login}`;
    const u = out.users.get(uk) ?? { installationId: g.installationId, login: g.login, n: 0, max: 0, sum: 0 };
    u.n += g.n;
    u.max = Math.max(u.max, g.max);
    u.sum += g.sum;
    out.users.set(uk, u);
    for (const k of Object.keys(out.traits) as (keyof Aggregate['traits'])[]) out.traits[k] += g[k];
  }
  return out;
}

/** The catalogs with the longest query first; a point per bucket, the longest query in it (seconds). */
function slowSeries(
  agg: Aggregate,
  byId: ReadonlyMap<number, InstallationSubject>,
  starts: readonly number[],
  step: number,
  limit: number,
): Aligned {
  const entries = [...agg.series.entries()].map(([key, s], i) => ({
    id: i,
    key,
    s,
    label: `${byId.get(s.installationId)!.host}${s.catalog ?? ''}`,
    value: s.max,
  }));
  rank(entries);
  return {
    step,
    timestamps: [...starts],
    total: entries.length,
    series: entries.slice(0, limit).map((e) => {
      const subject = byId.get(e.s.installationId)!;
      const values = new Array<number | null>(starts.length).fill(null);
      for (const [b, ms] of e.s.buckets) if (b >= 0 && b < values.length) values[b] = ms / 1000;
      return {
        key: `c:${e.s.installationId}:${e.s.catalog ?? ''}`,
        label: e.label,
        installationId: subject.id,
        clientId: subject.clientId,
        values,
      };
    }),
  };
}

function topUsers(agg: Aggregate, byId: ReadonlyMap<number, InstallationSubject>): SlowUser[] {
  return [...agg.users.values()]
    .sort(
      (a, b) =>
        b.n - a.n ||
        b.max - a.max ||
        a.installationId - b.installationId ||
        (a.login < b.login ? -1 : a.login > b.login ? 1 : 0),
    )
    .slice(0, SEARCH_TIME_TOP_USERS)
    .map((u) => {
      const s = byId.get(u.installationId)!;
      return {
        installationId: s.id,
        clientId: s.clientId,
        client: s.client,
        host: s.host,
        login: u.login,
        slow: u.n,
        share: agg.over > 0 ? u.n / agg.over : 0,
        maxMs: u.max,
        avgMs: Math.round(u.sum / u.n),
      };
    });
}

function describe(r: LogRow, s: InstallationSubject): SearchTimeRow {
  return {
    at: r.at,
    durationMs: r.duration_ms,
    catalog: r.catalog,
    installationId: s.id,
    clientId: s.clientId,
    client: s.client,
    host: s.host,
    login: r.login,
    query: r.query,
    status: r.status,
  };
}
