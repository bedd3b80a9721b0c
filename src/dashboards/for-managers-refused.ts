/**
 * The refused logons of «Для менеджеров»: the table per day, login and installation, and the accounts
 * refused per hour. Both read `refused_logons_monthly` for the local months wholly inside the range (the
 * ranking, the table's counts), `refused_logons_daily` (a row per installation, local day and login:
 * src/ingest/refused-daily.ts) for the other local days wholly inside it, and the log, by its time index,
 * only for the parts of the two end days inside it: 13 months over 1,000 installations read 13 monthly
 * rows per installation, the table's rows only its newest days, the chart's hours only the installations
 * it draws.
 */
import { sql, type RawBuilder } from 'kysely';
import type { AppContext } from '../context.js';
import { idIn, stringAgg, type DbKind } from '../db/dialect.js';
import { licenceReasonSql } from '../ingest/refused-daily.js';
import { localDayOf } from '../ingest/usage-rollup.js';
import { ROLLUP_OFFSET_MIN } from '../metrics/rollup.js';
import type { ManagerAligned, RefusedDayRow } from './contract-managers.js';
import { addDays, HOUR, localDayBounds, monthsPeriod, shiftMonth } from './for-managers-days.js';
import { emptyAligned, installationSeries } from './for-managers-samples.js';
import { monthLast, type UserFilter } from './for-managers-users.js';
import { periodFigures, type CachedPeriod } from './period-cache.js';
import { bucketStarts, chooseStep, type Range } from './range.js';
import { rank } from './series-read.js';
import type { InstallationSubject } from './subjects.js';

/** The refusals «из-за использования всех лицензий» (isLicenceRefusal), over the log's `r.reason`. */
export const LICENCE_REASON = licenceReasonSql(sql.ref('r.reason'));

function refusedUserConditions(f: UserFilter) {
  const parts = [];
  if (f.logins) parts.push(sql`r.login in (${sql.join(f.logins)})`);
  if (f.domains)
    parts.push(sql`exists (select 1 from installation_users iu where iu.installation_id = r.installation_id
      and iu.login = r.login and iu.domain in (${sql.join(f.domains)}))`);
  return parts.length ? sql` and ${sql.join(parts, sql` and `)}` : sql``;
}

/**
 * How a long range [start, end] falls on the local days of installations at one offset: the days
 * strictly between `firstDay` and `lastDay` lie wholly inside (read from the daily rows); the instants
 * [start, firstEnd] and [lastStart, end] are the parts of the end days inside the range (read from the log).
 */
interface DaySplit {
  ids: number[];
  offsetMin: number;
  firstDay: string;
  lastDay: string;
  firstEnd: number;
  lastStart: number;
}

function splitDays(subjects: readonly InstallationSubject[], start: number, end: number): DaySplit[] {
  const byOffset = new Map<number, number[]>();
  for (const s of subjects) {
    const ids = byOffset.get(s.utcOffsetMin) ?? [];
    ids.push(s.id);
    byOffset.set(s.utcOffsetMin, ids);
  }
  return [...byOffset].map(([offsetMin, ids]) => {
    const first = localDayOf(start, offsetMin);
    const last = localDayOf(end, offsetMin);
    const split = {
      ids,
      offsetMin,
      firstDay: first,
      lastDay: last,
      firstEnd: Math.min(end, localDayBounds(first, offsetMin).end),
      lastStart: Math.max(start, localDayBounds(last, offsetMin).start),
    };
    if (first === last) return split;
    // An end day the range covers whole (the month so far starts at midnight) is read with the days
    // inside, from its daily rows: its part from the log is then empty.
    if (start === localDayBounds(first, offsetMin).start) {
      split.firstDay = addDays(first, -1);
      split.firstEnd = start - 1;
    }
    if (end === localDayBounds(last, offsetMin).end) {
      split.lastDay = addDays(last, 1);
      split.lastStart = end + 1;
    }
    return split;
  });
}

/**
 * The local months (`YYYY-MM`) lying wholly inside the range for every offset: read from
 * `refused_logons_monthly` (13 rows per installation over 13 months) instead of their daily rows. None
 * when the accounts are filtered: the monthly rows do not tell one login from another.
 */
interface WholeMonths {
  first: string;
  last: string;
  /** Their first and last day. */
  lo: string;
  hi: string;
}

function wholeMonths(splits: readonly DaySplit[], filter: UserFilter | null): WholeMonths | null {
  if (splits.length === 0 || (filter && (filter.logins || filter.domains))) return null;
  // The first month starting after every first day, the last ending before every last day.
  const firstDay = splits.map((g) => g.firstDay).reduce((a, b) => (a > b ? a : b));
  const lastDay = splits.map((g) => g.lastDay).reduce((a, b) => (a < b ? a : b));
  const first = shiftMonth(firstDay.slice(0, 7), 1);
  const afterLast = lastDay.slice(0, 7);
  const last = shiftMonth(afterLast, -1);
  if (first > last) return null;
  return { first, last, lo: `${first}-01`, hi: monthLast(last) };
}

/** A split's days strictly between its end days, around the whole months: exclusive bounds per span. */
function spansOf(g: DaySplit, skip: WholeMonths | null): [string, string][] {
  return skip
    ? [
        [g.firstDay, skip.lo],
        [skip.hi, g.lastDay],
      ]
    : [[g.firstDay, g.lastDay]];
}

/** The spans that hold a day. */
const nonEmptySpansOf = (g: DaySplit, skip: WholeMonths | null) =>
  spansOf(g, skip).filter(([after, before]) => addDays(after, 1) < before);

/** A span of days as the cache knows it: it ends where the day `before` starts at the split's offset. */
const spanPeriod = (g: DaySplit, after: string, before: string): CachedPeriod => ({
  key: `${g.offsetMin}|${after}|${before}`,
  to: localDayBounds(before, g.offsetMin).start,
});

/**
 * The daily rows of the days wholly inside, one SELECT per offset and day span, so each reads one key
 * range per installation; without the days of `skip` (whole months read from the monthly rows): the
 * spans before and after them (a condition excluding them would still walk their rows).
 */
function interiorRows(
  kind: DbKind,
  splits: readonly DaySplit[],
  cols: RawBuilder<unknown>,
  where: RawBuilder<unknown>,
  skip: WholeMonths | null = null,
) {
  return sql.join(
    splits.flatMap((g) => {
      return spansOf(g, skip).map(
        ([after, before]) => sql`select ${cols} from refused_logons_daily r
          where ${idIn(kind, 'r.installation_id', g.ids)} and r.day > ${after} and r.day < ${before}${where}`,
      );
    }),
    sql` union all `,
  );
}

/** The monthly rows of the whole months, `cols` over `m`. */
function monthlyRows(kind: DbKind, ids: readonly number[], whole: WholeMonths, cols: RawBuilder<unknown>) {
  return sql`select ${cols} from refused_logons_monthly m
    where ${idIn(kind, 'm.installation_id', ids)} and m.month >= ${whole.first} and m.month <= ${whole.last}`;
}

/** What `load` reads of the whole months, kept per database (period-cache.ts) under `what`. */
function keptWholeMonths<T>(
  ctx: AppContext,
  what: string,
  whole: WholeMonths,
  ids: readonly number[],
  now: number,
  load: (missing: readonly number[]) => Promise<Map<number, T>>,
): Promise<Map<number, T>> {
  return periodFigures(ctx.db, `refused-${what}`, monthsPeriod(whole.first, whole.last), ids, now, load);
}

/** An installation's whole months: its refusals (any reason), and its table rows per month (from `first`). */
interface MonthSums {
  refusals: number;
  licenceDays: number[];
}

function monthsOf(whole: WholeMonths): string[] {
  const out = [whole.first];
  while (out[out.length - 1]! < whole.last) out.push(shiftMonth(out[out.length - 1]!, 1));
  return out;
}

/**
 * The whole months' monthly rows per installation, kept per database (period-cache.ts): closed months
 * change only by late reports, and over 13 months a thousand installations are 13,000 rows a request
 * would read again. The values are the kept ones: read, never change them.
 */
function wholeMonthSums(
  ctx: AppContext,
  subjects: readonly InstallationSubject[],
  whole: WholeMonths,
  now: number,
): Promise<Map<number, MonthSums>> {
  const ids = subjects.map((x) => x.id);
  const months = monthsOf(whole);
  return keptWholeMonths(ctx, 'months', whole, ids, now, async (missing) => {
    const r = await sql<{
      installation_id: number;
      month: string;
      refusals: number;
      licence_days: number;
    }>`${monthlyRows(
      ctx.dbKind,
      missing,
      whole,
      sql`m.installation_id, m.month, m.refusals, m.licence_days`,
    )}`.execute(ctx.db);
    const out = new Map<number, MonthSums>();
    for (const x of r.rows) {
      const id = Number(x.installation_id);
      let e = out.get(id);
      if (!e) out.set(id, (e = { refusals: 0, licenceDays: months.map(() => 0) }));
      e.refusals += Number(x.refusals);
      e.licenceDays[months.indexOf(x.month)]! += Number(x.licence_days);
    }
    return out;
  });
}

/**
 * Per installation, its daily rows' hour masks of the days strictly between `after` and `before`, as one
 * string (`day,mask,day,mask…`), read along the key: a 13 months' chart hands over 50 strings, not a
 * hundred thousand rows.
 */
async function maskStrings(
  ctx: AppContext,
  ids: readonly number[],
  after: string,
  before: string,
): Promise<{ installationId: number; masks: string }[]> {
  if (ids.length === 0 || addDays(after, 1) >= before) return [];
  const entryText = sql<string>`r.day || ',' || cast(r.hours as text)`;
  const r = await sql<{ installation_id: number; masks: string }>`
    select r.installation_id, ${stringAgg(ctx.dbKind, entryText, ',')} as masks
    from refused_logons_daily r
    where ${idIn(ctx.dbKind, 'r.installation_id', ids)} and r.day > ${after} and r.day < ${before}
    group by r.installation_id`.execute(ctx.db);
  return r.rows.map((x) => ({ installationId: Number(x.installation_id), masks: String(x.masks) }));
}

/**
 * Calls `add` with the start of every hour a mask string sets a bit in (a row is one login, so a bit is
 * one account refused in that hour). Walked in place: 13 months of 50 installations would be 40,000
 * strings split out.
 */
function forEachMaskHour(text: string, offsetMin: number, add: (hourStart: number) => void): void {
  for (let at = 0; at < text.length;) {
    const comma = text.indexOf(',', at);
    if (comma < 0) break;
    let end = text.indexOf(',', comma + 1);
    if (end < 0) end = text.length;
    const dayStart = localDayBounds(text.slice(at, comma), offsetMin).start;
    for (let bits = Number(text.slice(comma + 1, end)), b = 0; bits > 0; bits >>>= 1, b += 1)
      if (bits & 1) add(dayStart + b * HOUR);
    at = end + 1;
  }
}

/** An installation's accounts refused per hour over the whole months, sparse: hour starts and counts. */
interface MonthHours {
  at: number[];
  n: number[];
}

/**
 * The accounts per hour of the drawn installations over the days strictly between `after` and `before`
 * (whole months, or the other days inside the range), kept per database like their sums: over 13
 * months these were most of the chart's reading (every daily row of 50 installations).
 */
function keptHours(
  ctx: AppContext,
  subjects: readonly InstallationSubject[],
  period: CachedPeriod,
  after: string,
  before: string,
  now: number,
): Promise<Map<number, MonthHours>> {
  const offsetOf = new Map(subjects.map((s) => [s.id, s.utcOffsetMin]));
  const ids = subjects.map((s) => s.id);
  return periodFigures(ctx.db, 'refused-hours', period, ids, now, async (missing) => {
    const rows = await maskStrings(ctx, missing, after, before);
    const out = new Map<number, MonthHours>();
    for (const row of rows) {
      const counts = new Map<number, number>();
      forEachMaskHour(row.masks, offsetOf.get(row.installationId)!, (h) =>
        counts.set(h, (counts.get(h) ?? 0) + 1),
      );
      const hours = [...counts.keys()].sort((a, b) => a - b);
      out.set(row.installationId, { at: hours, n: hours.map((h) => counts.get(h)!) });
    }
    return out;
  });
}

/** An installation's daily rows over a span of days: its refusals, and per day its logins refused for licences. */
interface SpanSums {
  refusals: number;
  licenceDays: { day: string; n: number }[];
}

/**
 * The daily rows' sums of the days inside the range but outside the whole months, per span and
 * installation, kept per database like the months' (period-cache.ts): those days are over (the range's
 * end days come from the log), so only late reports change them, and over 13 months the first and the
 * current month's days were two of the heaviest reads of every request. The values are the kept ones:
 * read, never change them.
 */
function keptSpanSums(
  ctx: AppContext,
  splits: readonly DaySplit[],
  whole: WholeMonths | null,
  now: number,
): Promise<Map<number, SpanSums>[]> {
  return Promise.all(
    splits.flatMap((g) =>
      nonEmptySpansOf(g, whole).map(([after, before]) =>
        periodFigures(ctx.db, 'refused-days', spanPeriod(g, after, before), g.ids, now, async (missing) => {
          const r = await sql<{ installation_id: number; day: string; n: number; l: number }>`
            select r.installation_id, r.day, sum(r.refusals) as n,
              sum(case when r.licence_refusals > 0 then 1 else 0 end) as l
            from refused_logons_daily r
            where ${idIn(ctx.dbKind, 'r.installation_id', missing)} and r.day > ${after} and r.day < ${before}
            group by r.installation_id, r.day`.execute(ctx.db);
          const out = new Map<number, SpanSums>();
          for (const x of r.rows) {
            const id = Number(x.installation_id);
            let e = out.get(id);
            if (!e) out.set(id, (e = { refusals: 0, licenceDays: [] }));
            e.refusals += Number(x.n);
            if (Number(x.l) > 0) e.licenceDays.push({ day: x.day, n: Number(x.l) });
          }
          return out;
        }),
      ),
    ),
  );
}

/** The log's refusals on the end days (the parts inside the range), licence ones only when asked. */
async function edgeRefusals(
  ctx: AppContext,
  splits: readonly DaySplit[],
  start: number,
  end: number,
  where: RawBuilder<unknown>,
): Promise<{ installationId: number; login: string; at: number; offsetMin: number }[]> {
  // One statement for every offset group's end days (not one round trip after another).
  const parts = splits.flatMap((g) => {
    const ends: [number, number][] =
      g.firstDay === g.lastDay
        ? [[start, end]]
        : [
            [start, g.firstEnd],
            [g.lastStart, end],
          ];
    // An end day read with the days inside has an empty part here.
    const windows = ends.filter(([a, b]) => a <= b);
    return windows.map(
      ([a, b]) => sql`select r.installation_id, r.login, r.at, ${sql.lit(g.offsetMin)} as offset_min
        from refused_logons r
        where ${idIn(ctx.dbKind, 'r.installation_id', g.ids)} and r.at >= ${a} and r.at <= ${b}${where}`,
    );
  });
  if (parts.length === 0) return [];
  const r = await sql<{ installation_id: number; login: string; at: number; offset_min: number }>`${sql.join(
    parts,
    sql` union all `,
  )}`.execute(ctx.db);
  return r.rows.map((x) => ({
    installationId: Number(x.installation_id),
    login: x.login,
    at: Number(x.at),
    offsetMin: Number(x.offset_min),
  }));
}

interface DayCount {
  installationId: number;
  login: string;
  day: string;
  count: number;
}

/** The order of the short ranges' SQL (PostgreSQL compares logins bytewise there: collate "C"). */
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byNewestDay = (x: DayCount, y: DayCount) =>
  cmp(y.day, x.day) || y.count - x.count || cmp(x.login, y.login) || x.installationId - y.installationId;

/** Totals per day first, then the rows of the newest days only. */
async function refusedTableRows(
  ctx: AppContext,
  subjects: readonly InstallationSubject[],
  range: Range,
  rows: number,
  filter: UserFilter,
  now: number,
): Promise<{ list: DayCount[]; total: number }> {
  const where = sql` and r.licence_refusals > 0${refusedUserConditions(filter)}`;
  const splits = splitDays(subjects, range.from, range.to);
  const whole = wholeMonths(splits, filter);
  const dayCounts = (skip: WholeMonths | null, extra: RawBuilder<unknown>) =>
    sql<{ day: string; n: number }>`
      select day, count(*) as n from (${interiorRows(ctx.dbKind, splits, sql`r.day`, sql`${where}${extra}`, skip)}) x
      group by day`.execute(ctx.db);
  // Without a login or domain filter the days inside are kept per database with the whole months.
  const keep = !filter.logins && !filter.domains;
  // The end days from the log, the days inside by day and the whole months by month: read side by side.
  const [edges, interior, spans, months] = await Promise.all([
    edgeRefusals(
      ctx,
      splits,
      range.from,
      range.to,
      sql` and ${LICENCE_REASON}${refusedUserConditions(filter)}`,
    ),
    keep ? null : dayCounts(whole, sql``),
    keep ? keptSpanSums(ctx, splits, whole, now) : [],
    whole ? wholeMonthSums(ctx, subjects, whole, now) : null,
  ]);
  const edge = new Map<string, DayCount>();
  for (const e of edges) {
    const day = localDayOf(e.at, e.offsetMin);
    const k = `${e.installationId}\u0000${e.login}\u0000${day}`;
    const c = edge.get(k) ?? { installationId: e.installationId, login: e.login, day, count: 0 };
    c.count += 1;
    edge.set(k, c);
  }
  const perDay = new Map<string, number>();
  for (const c of edge.values()) perDay.set(c.day, (perDay.get(c.day) ?? 0) + 1);
  for (const d of interior?.rows ?? []) perDay.set(d.day, (perDay.get(d.day) ?? 0) + Number(d.n));
  for (const span of spans)
    for (const e of span.values())
      for (const d of e.licenceDays) perDay.set(d.day, (perDay.get(d.day) ?? 0) + d.n);
  // Whole months count as one block each, keyed after their days so they sort among them.
  const blocks = new Map(perDay);
  if (whole && months) {
    const perMonth = monthsOf(whole).map(() => 0);
    for (const m of months.values()) m.licenceDays.forEach((n, i) => (perMonth[i]! += n));
    monthsOf(whole).forEach((month, i) => {
      if (perMonth[i]! > 0) blocks.set(`${month}-99`, perMonth[i]!);
    });
  }
  const total = [...blocks.values()].reduce((a, b) => a + b, 0);
  // The oldest day still needed to fill `rows` rows, newest first; a month that holds it is read by day.
  let cutoff = '';
  let have = 0;
  for (const key of [...blocks.keys()].sort().reverse()) {
    const n = blocks.get(key)!;
    if (key.endsWith('-99') && have + n >= rows) {
      const month = key.slice(0, 7);
      const lo = `${month}-01`;
      const hi = monthLast(month);
      const days = (await dayCounts(null, sql` and r.day >= ${lo} and r.day <= ${hi}`)).rows
        .map((d) => [d.day, Number(d.n)] as const)
        .sort((a, b) => cmp(b[0], a[0]));
      for (const [day, count] of days) {
        cutoff = day;
        have += count;
        if (have >= rows) break;
      }
      break;
    }
    cutoff = key.endsWith('-99') ? `${key.slice(0, 7)}-01` : key;
    have += n;
    if (have >= rows) break;
  }
  const newest = await sql<{ installation_id: number; login: string; day: string; n: number }>`
    select r.installation_id, r.login, r.day, r.licence_refusals as n from (${interiorRows(
      ctx.dbKind,
      splits,
      sql`r.installation_id, r.login, r.day, r.licence_refusals`,
      sql`${where} and r.day >= ${cutoff}`,
    )}) r`.execute(ctx.db);
  const list = [
    ...[...edge.values()].filter((c) => c.day >= cutoff),
    ...newest.rows.map((x) => ({
      installationId: Number(x.installation_id),
      login: x.login,
      day: x.day,
      count: Number(x.n),
    })),
  ]
    .sort(byNewestDay)
    .slice(0, rows);
  return { list, total };
}

/**
 * «Пользователи и количество раз которые не смогли подключиться из-за использования всех лицензий в
 * течение 1 дня»: per installation, login and local day, the refusals in the range; the newest days
 * first, then the most refusals. `total` counts every such row.
 */
export async function refusedTable(
  ctx: AppContext,
  subjects: readonly InstallationSubject[],
  range: Range,
  rows: number,
  filter: UserFilter,
  now: number,
): Promise<{ rows: RefusedDayRow[]; total: number }> {
  if (subjects.length === 0) return { rows: [], total: 0 };
  const byId = new Map(subjects.map((s) => [s.id, s]));
  const { list, total } = await refusedTableRows(ctx, subjects, range, rows, filter, now);
  return {
    rows: list.map((x) => {
      const s = byId.get(x.installationId)!;
      return {
        day: x.day,
        installationId: s.id,
        clientId: s.clientId,
        client: s.client,
        host: s.host,
        login: x.login,
        count: x.count,
      };
    }),
    total,
  };
}

/**
 * Per installation, the accounts refused in each hour of [start, end] (index k: the hour starting at
 * start + k hours; an array, not a map: 13 months are 9,500 hours per drawn installation), and the refusals.
 */
type HourCounts = Map<number, { hours: Uint32Array; refusals: number }>;

/**
 * The ranking from the daily rows' sums; the hours of the top `limit` from their masks (a bit is a login
 * in an hour). Whole months come from what is kept of them (their monthly rows, their hours).
 */
async function hourCounts(
  ctx: AppContext,
  subjects: readonly InstallationSubject[],
  start: number,
  end: number,
  limit: number,
  now: number,
): Promise<{ counts: HourCounts; refusals: Map<number, number> }> {
  const splits = splitDays(subjects, start, end);
  const whole = wholeMonths(splits, null);
  const [edges, spans, months] = await Promise.all([
    edgeRefusals(ctx, splits, start, end, sql``),
    keptSpanSums(ctx, splits, whole, now),
    whole ? wholeMonthSums(ctx, subjects, whole, now) : null,
  ]);
  const refusals = new Map<number, number>();
  const addRefusals = (id: number, n: number) => refusals.set(id, (refusals.get(id) ?? 0) + n);
  for (const e of edges) addRefusals(e.installationId, 1);
  for (const span of spans) for (const [id, e] of span) addRefusals(id, e.refusals);
  for (const [id, m] of months ?? []) addRefusals(id, m.refusals);

  const top = new Set(topIds(subjects, refusals, limit));
  const counts: HourCounts = new Map();
  const hourCount = Math.ceil((end - start) / HOUR) + 1;
  const entry = (id: number) => {
    let e = counts.get(id);
    if (!e) counts.set(id, (e = { hours: new Uint32Array(hourCount), refusals: refusals.get(id) ?? 0 }));
    return e;
  };
  /** Adds `n` accounts to the hour starting at `t` (ignored outside the range). */
  const addAt = (hours: Uint32Array, t: number, n = 1) => {
    const k = Math.floor((t - start) / HOUR);
    if (k >= 0 && k < hourCount) hours[k]! += n;
  };
  // The end days from the log: accounts per hour are distinct logins.
  const seen = new Set<string>();
  for (const e of edges) {
    if (!top.has(e.installationId)) continue;
    const hour = Math.floor(e.at / HOUR) * HOUR;
    const k = `${e.installationId}\u0000${hour}\u0000${e.login}`;
    if (seen.has(k)) continue;
    seen.add(k);
    addAt(entry(e.installationId).hours, hour);
  }
  const drawn = subjects.filter((x) => top.has(x.id));
  // The hours of the days inside, kept: the whole months' and the other days' around them.
  const kept = await Promise.all([
    ...splits.flatMap((g) => {
      const mine = drawn.filter((x) => x.utcOffsetMin === g.offsetMin);
      return nonEmptySpansOf(g, whole).map(([after, before]) =>
        keptHours(ctx, mine, spanPeriod(g, after, before), after, before, now),
      );
    }),
    ...(whole
      ? [
          keptHours(
            ctx,
            drawn,
            monthsPeriod(whole.first, whole.last),
            addDays(whole.lo, -1),
            addDays(whole.hi, 1),
            now,
          ),
        ]
      : []),
  ]);
  for (const [id, m] of kept.flatMap((x) => [...x])) {
    const h = entry(id).hours;
    for (let i = 0; i < m.at.length; i += 1) addAt(h, m.at[i]!, m.n[i]!);
  }
  return { counts, refusals };
}

/** The `limit` installations with the most refusals (ties by host, then id), as rank() orders them. */
function topIds(
  subjects: readonly InstallationSubject[],
  refusals: Map<number, number>,
  limit: number,
): number[] {
  const byId = new Map(subjects.map((s) => [s.id, s]));
  const entries = [...refusals]
    .filter(([, n]) => n > 0)
    .map(([id, value]) => ({ id, label: byId.get(id)!.host, value }));
  return rank(entries)
    .slice(0, limit)
    .map((e) => e.id);
}

/**
 * «Количество пользователей не смогли подключиться за 1 час»: per installation, the accounts refused a
 * logon (for any reason) within an hour. Up to 800 hours (a month) a bar is an hour; longer ranges draw
 * wider bars, each the busiest hour inside it, so the value still reads «за 1 час». Ranked by the refusals of the
 * range, most first; installations without any are left out.
 */
export async function refusedPerHour(
  ctx: AppContext,
  subjects: readonly InstallationSubject[],
  range: Range,
  limit: number,
  now: number,
): Promise<ManagerAligned> {
  const step = chooseStep(range, 800, HOUR);
  const starts = bucketStarts(range, step, ROLLUP_OFFSET_MIN);
  const out = emptyAligned(step, starts);
  if (subjects.length === 0) return out;
  const byId = new Map(subjects.map((s) => [s.id, s]));
  const start = starts[0]!;
  const { counts, refusals } = await hourCounts(ctx, subjects, start, range.to, limit, now);
  const top = topIds(subjects, refusals, limit);
  out.total = [...refusals.values()].filter((n) => n > 0).length;
  out.series = top.map((id) => {
    const values = starts.map(() => 0);
    const hours = counts.get(id)?.hours;
    if (hours)
      for (let k = 0; k < hours.length; k += 1) {
        const i = Math.floor((k * HOUR) / step);
        if (hours[k]! > 0 && i < values.length) values[i] = Math.max(values[i]!, hours[k]!);
      }
    return installationSeries(byId.get(id)!, values);
  });
  return out;
}
