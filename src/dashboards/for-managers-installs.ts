/**
 * Per-installation reads of «Для менеджеров»: the facts the table and the rankings share (seats, regnum,
 * activity of the range and of the month, accounts with requests over months), the installations' usage
 * days, the managers and the licence ends. The panels drawn from samples are in for-managers-samples.ts,
 * the refused logons in for-managers-refused.ts.
 */
import { sql } from 'kysely';
import type { AppContext } from '../context.js';
import { localDayOf } from '../ingest/usage-rollup.js';
import { idIn, stringAgg } from '../db/dialect.js';
import {
  addDays,
  axisDate,
  axisDayStart,
  DAY,
  monthStart,
  monthsPeriod,
  shiftMonth,
  type DayAxis,
} from './for-managers-days.js';
import type { Range } from './range.js';
import { periodFigures } from './period-cache.js';
import { chunks, latestIn, seriesFor } from './series-read.js';
import type { InstallationSubject } from './subjects.js';

/** A user action of the ПК, per day: searches, documents opened, services, saved and printed documents. */
const ACTIONS = sql`searches + docs_counted + services + saved + printed`;

export interface InstallationFacts {
  reportAt: number | null;
  /** The installation's local day of its newest report: no usage row is later. */
  newestDay: string | null;
  regnum: string | null;
  /** Seats of the newest report up to the end of the range. */
  seats: number | null;
  licencesInUse: number | null;
  /** A report was produced on a day of the range. */
  reportedInRange: boolean;
  /** Actions over the range's days, and month to date at its last day. */
  rangeActivity: number;
  monthActivity: number;
  /** On a monthly axis: accounts with DB requests in the range's months (whole); null otherwise. */
  usersInMonths: number | null;
}

/** An installation's current state as its newest report left it. */
interface InstallationStateRow {
  installationId: number;
  reportAt: number | null;
  regnum: string | null;
  seats: number | null;
  licencesInUse: number | null;
}

/** The installations' current state as their newest reports left it. */
async function installationStates(
  ctx: AppContext,
  ids: readonly number[],
): Promise<Map<number, InstallationStateRow>> {
  if (ids.length === 0) return new Map();
  const rows = await ctx.db
    .selectFrom('installation_state')
    .select(['installation_id', 'report_at', 'regnum', 'seats', 'licences_in_use'])
    .where(idIn(ctx.dbKind, 'installation_id', ids))
    .execute();
  return new Map(
    rows.map((r) => [
      Number(r.installation_id),
      {
        installationId: Number(r.installation_id),
        reportAt: r.report_at === null ? null : Number(r.report_at),
        regnum: r.regnum,
        seats: r.seats,
        licencesInUse: r.licences_in_use,
      },
    ]),
  );
}

/** The local day of an installation's newest report (no usage row is later), or null without one. */
function newestDayOf(reportAt: number | null, utcOffsetMin: number): string | null {
  return reportAt === null ? null : localDayOf(reportAt, utcOffsetMin);
}

/**
 * The facts of every visible installation, without reading more than a month of days per installation:
 * the month to date from the daily rollup; a range that reaches further back adds its whole months from
 * the per-user monthly rollup (closed months kept in memory, see closedMonths) and its first, partial
 * month from the daily one; whether a report was produced in the range is one look-up each.
 */
export async function installationFacts(
  ctx: AppContext,
  subjects: readonly InstallationSubject[],
  range: Range,
  axis: DayAxis,
  now: number,
): Promise<Map<number, InstallationFacts>> {
  const out = new Map<number, InstallationFacts>();
  if (subjects.length === 0) return out;
  const ids = subjects.map((s) => s.id);
  const offset = new Map(subjects.map((s) => [s.id, s.utcOffsetMin]));
  const { fromDay, toDay } = axis;
  const month = monthStart(toDay);
  // A monthly axis counts the range's first month whole, as its points do.
  const firstDay = axis.monthly ? monthStart(fromDay) : fromDay;
  const acts = new Map<number, { range: number; month: number }>();
  const monthUsers = new Map<number, number>();
  const add = (id: number, r: number, m: number) => {
    const e = acts.get(id) ?? { range: 0, month: 0 };
    e.range += r;
    e.month += m;
    acts.set(id, e);
  };
  const dailySums = async (only: readonly number[], lo: string, hi: string) => {
    const out = new Map<number, { range: number; month: number }>();
    const ps = await Promise.all(
      chunks(only).map((chunk) =>
        sql<{ installation_id: number; range_acts: number; month_acts: number }>`
          select installation_id,
            sum(case when day >= ${firstDay} then ${ACTIONS} else 0 end) as range_acts,
            sum(case when day >= ${month} then ${ACTIONS} else 0 end) as month_acts
          from installation_usage_daily
          where ${idIn(ctx.dbKind, 'installation_id', chunk)} and day >= ${lo} and day <= ${hi}
          group by installation_id`.execute(ctx.db),
      ),
    );
    for (const r of ps.flatMap((p) => p.rows))
      out.set(Number(r.installation_id), { range: Number(r.range_acts), month: Number(r.month_acts) });
    return out;
  };
  const daily = (lo: string, hi: string, both: boolean) =>
    dailySums(ids, lo, hi).then((m) => {
      for (const [id, x] of m) add(id, x.range, both ? x.month : 0);
    });
  // This month's days: the month to date, and the range's part of it. Those before today are kept per
  // database (period-cache.ts; late reports show when the slot expires), today's are read.
  const lastClosed = [toDay, addDays(axisDate(now), -1)].reduce((a, b) => (a < b ? a : b));
  const reads: Promise<unknown>[] = [];
  if (lastClosed >= month) {
    const period = { key: `${firstDay}|${month}|${lastClosed}`, to: axisDayStart(addDays(lastClosed, 1)) };
    reads.push(
      periodFigures(ctx.db, 'installation-days', period, ids, now, (missing) =>
        dailySums(missing, month, lastClosed),
      ).then((m) => {
        for (const [id, x] of m) add(id, x.range, x.month);
      }),
    );
  }
  if (lastClosed < toDay) reads.push(daily(lastClosed < month ? month : addDays(lastClosed, 1), toDay, true));
  if (fromDay < month) {
    // Before this month: the first month's days from the daily rollup unless it starts on the 1st, the
    // months between whole from the monthly one.
    const firstWhole = fromDay.endsWith('-01') || axis.monthly;
    if (!firstWhole) reads.push(daily(firstDay, monthEndOf(firstDay), false));
    const wholeFrom = firstWhole ? firstDay.slice(0, 7) : nextMonthOf(firstDay.slice(0, 7));
    const wholeTo = prevMonthOf(month.slice(0, 7));
    const closed =
      wholeFrom <= wholeTo ? closedMonths(ctx, ids, wholeFrom, wholeTo, now) : Promise.resolve(new Map());
    // On a monthly axis the accounts with DB requests in the months count this month's too.
    const current = axis.monthly ? activeLogins(ctx, ids, month.slice(0, 7)) : Promise.resolve(null);
    reads.push(
      Promise.all([closed, current]).then(([c, cur]) => {
        for (const [id, x] of c) add(id, x.acts, 0);
        if (cur) for (const id of ids) monthUsers.set(id, unionSize(c.get(id)?.logins, cur.get(id)));
      }),
    );
  } else if (axis.monthly) {
    reads.push(
      activeLogins(ctx, ids, month.slice(0, 7)).then((m) => {
        for (const [id, logins] of m) monthUsers.set(id, unionSize(undefined, logins));
      }),
    );
  }
  const [stateOf, reported] = await Promise.all([
    installationStates(ctx, ids),
    Promise.all(
      chunks(ids).map((chunk) =>
        sql<{ installation_id: number }>`
          select s.installation_id from installation_state s
          where ${idIn(ctx.dbKind, 's.installation_id', chunk)} and exists (select 1 from installation_usage_daily u
            where u.installation_id = s.installation_id and u.day >= ${fromDay} and u.day <= ${toDay}
              and u.reported = 1)`.execute(ctx.db),
      ),
    ),
    ...reads,
  ]);
  const inRange = new Set(reported.flatMap((p) => p.rows.map((r) => Number(r.installation_id))));
  const later: number[] = [];
  for (const st of stateOf.values()) {
    const id = st.installationId;
    const reportAt = st.reportAt;
    // A range in the past: the seats of its newest sample, not of the current state.
    if (reportAt !== null && reportAt > range.to) later.push(id);
    const a = acts.get(id);
    out.set(id, {
      reportAt,
      newestDay: newestDayOf(reportAt, offset.get(id) ?? 0),
      regnum: st.regnum,
      seats: st.seats,
      licencesInUse: st.licencesInUse,
      reportedInRange: inRange.has(id),
      rangeActivity: a?.range ?? 0,
      monthActivity: a?.month ?? 0,
      usersInMonths: axis.monthly ? (monthUsers.get(id) ?? 0) : null,
    });
  }
  if (later.length > 0) {
    const series = await seriesFor(ctx, later, ['sysinfo_seats'], [{}]);
    const latest = await latestIn(
      ctx,
      series.map((x) => x.id),
      0,
      range.to,
    );
    for (const x of series) out.get(x.installationId)!.seats = latest.get(x.id)?.value ?? null;
  }
  return out;
}

const nextMonthOf = (m: string) => shiftMonth(m, 1);
const prevMonthOf = (m: string) => shiftMonth(m, -1);
const monthEndOf = (day: string) =>
  new Date(Date.parse(`${nextMonthOf(day.slice(0, 7))}-01T00:00:00Z`) - DAY).toISOString().slice(0, 10);

/** An installation's closed months: the actions, and the accounts with DB requests in any of them. */
interface ClosedMonths {
  acts: number;
  logins: Set<string>;
}

/**
 * Per installation, its actions and active accounts over the closed months [fromMonth, toMonth] of the
 * monthly rollup. Kept in memory (period-cache.ts): over 13 months these are 130,000 monthly rows a
 * request would read again for figures that no longer change, late reports aside.
 */
async function closedMonths(
  ctx: AppContext,
  ids: readonly number[],
  fromMonth: string,
  toMonth: string,
  now: number,
): Promise<Map<number, ClosedMonths>> {
  return periodFigures(
    ctx.db,
    'for-managers-months',
    monthsPeriod(fromMonth, toMonth),
    ids,
    now,
    async (missing) => {
      const logins =
        ctx.dbKind === 'sqlite'
          ? sql<string>`json_group_array(login) filter (where active_days > 0)`
          : sql<string>`coalesce(json_agg(login) filter (where active_days > 0), '[]')::text`;
      const parts = await Promise.all(
        chunks(missing).map((chunk) =>
          sql<{ installation_id: number; n: number; logins: string }>`
          select installation_id, sum(${ACTIONS}) as n, ${logins} as logins
          from user_usage_monthly
          where ${idIn(ctx.dbKind, 'installation_id', chunk)} and month >= ${fromMonth} and month <= ${toMonth}
          group by installation_id`.execute(ctx.db),
        ),
      );
      return new Map(
        parts.flatMap((p) =>
          p.rows.map((r) => [
            Number(r.installation_id),
            { acts: Number(r.n), logins: new Set(JSON.parse(r.logins) as string[]) },
          ]),
        ),
      );
    },
  );
}

/** Per installation, the accounts with DB requests in the month (one JSON array each). */
async function activeLogins(
  ctx: AppContext,
  ids: readonly number[],
  m: string,
): Promise<Map<number, string[]>> {
  const list =
    ctx.dbKind === 'sqlite' ? sql<string>`json_group_array(login)` : sql<string>`json_agg(login)::text`;
  const parts = await Promise.all(
    chunks(ids).map((chunk) =>
      sql<{ installation_id: number; logins: string }>`
        select installation_id, ${list} as logins from user_usage_monthly
        where ${idIn(ctx.dbKind, 'installation_id', chunk)} and month = ${m} and active_days > 0
        group by installation_id`.execute(ctx.db),
    ),
  );
  return new Map(
    parts.flatMap((p) => p.rows.map((r) => [Number(r.installation_id), JSON.parse(r.logins) as string[]])),
  );
}

/** How many accounts are in either list (each login once). */
function unionSize(kept: ReadonlySet<string> | undefined, current: readonly string[] | undefined): number {
  let n = kept?.size ?? 0;
  for (const login of new Set(current ?? [])) if (!kept?.has(login)) n += 1;
  return n;
}

export interface InstallationDays {
  acts: Float64Array;
  reported: Uint8Array;
}

/** Per installation, the actions and the report mark of each axis day from `lo`. */
export async function installationDays(
  ctx: AppContext,
  ids: readonly number[],
  axis: DayAxis,
  lo: string,
): Promise<Map<number, InstallationDays>> {
  const out = new Map<number, InstallationDays>();
  if (ids.length === 0) return out;
  const entry = sql<string>`day || ',' || cast(reported as text) || ',' || cast(${ACTIONS} as text)`;
  const parts = await Promise.all(
    chunks(ids).map((chunk) =>
      sql<{ installation_id: number; days: string }>`
        select installation_id, ${stringAgg(ctx.dbKind, entry, ',')} as days
        from installation_usage_daily
        where ${idIn(ctx.dbKind, 'installation_id', chunk)} and day >= ${lo} and day <= ${axis.toDay}
        group by installation_id`.execute(ctx.db),
    ),
  );
  for (const p of parts) {
    for (const r of p.rows) {
      const v = { acts: new Float64Array(axis.days.length), reported: new Uint8Array(axis.days.length) };
      const f = String(r.days).split(',');
      for (let at = 0; at + 3 <= f.length; at += 3) {
        const i = axis.dayIndex.get(f[at]!);
        if (i === undefined) continue;
        v.reported[i] = Number(f[at + 1]) > 0 ? 1 : 0;
        v.acts[i] = Number(f[at + 2]);
      }
      out.set(Number(r.installation_id), v);
    }
  }
  return out;
}

/** The earliest licence expiry of each installation's newest report (KodeksLicenseExpiring* reads the same). */
export async function licenceEnds(ctx: AppContext, ids: readonly number[]): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  const parts = await Promise.all(
    chunks(ids).map((chunk) =>
      ctx.db
        .selectFrom('installation_licences')
        .select((eb) => ['installation_id', eb.fn.min<number>('expires_at').as('ends')])
        .where(idIn(ctx.dbKind, 'installation_id', chunk))
        .where('expires_at', 'is not', null)
        .groupBy('installation_id')
        .execute(),
    ),
  );
  for (const r of parts.flat()) if (r.ends !== null) out.set(Number(r.installation_id), Number(r.ends));
  return out;
}
