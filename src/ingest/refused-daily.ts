/**
 * `refused_logons_daily` (migration 0011): per installation, local day of the ПК and login, the logons
 * refused, those refused for want of a free workplace, and the local hours with any refusal (a 24-bit
 * mask). «Для менеджеров» reads it over long ranges instead of every refusal of 13 months: the table of
 * refusals per day and login, and the accounts refused per hour (a mask bit is one login in one hour).
 *
 * Kept in the report's transaction: a report repeats the refusals since the ПК started, so only the
 * rows the log actually gained are added (the insert returns them), like the search log's rollups.
 * `refused_logons_monthly` (migration 0017) sums the same per installation and local month.
 */
import { sql, type QueryExecutorProvider, type RawBuilder } from 'kysely';
import type { Db } from '../db/database.js';
import type { DbKind } from '../db/dialect.js';
import { localDayOf } from './usage-rollup.js';

const HOUR = 3_600_000;

/**
 * What a reason says when the logon was refused «из-за использования всех лицензий»: the ПК's
 * refused-logon list holds logons refused for want of a free workplace; a reason that names another
 * cause (a wrong password, say) is not one. No reason at all counts as the usual one.
 */
const LICENCE_MARKERS = ['2008', '4106', 'превысил', 'лиценз', 'Лиценз', 'рабочих мест', 'рабочего места'];

export function isLicenceRefusal(reason: string | null): boolean {
  return reason === null || LICENCE_MARKERS.some((m) => reason.includes(m));
}

/** The same test in SQL over a `reason` column (LIKE with the markers: none has an ASCII letter). */
export function licenceReasonSql(reason: RawBuilder<unknown>): RawBuilder<boolean> {
  return sql<boolean>`(${reason} is null or ${sql.join(
    LICENCE_MARKERS.map((m) => sql`${reason} like ${`%${m}%`}`),
    sql` or `,
  )})`;
}

/** Local hour (0–23) of an instant at an offset (minutes east of UTC). */
export function localHourOf(at: number, utcOffsetMin: number): number {
  return new Date(at + utcOffsetMin * 60_000).getUTCHours();
}

/** Adds refusals just inserted into the log (never ones already there) to their login's day. */
export async function addRefusals(
  db: Db,
  installationId: number,
  added: readonly { at: number; login: string; reason: string | null }[],
  utcOffsetMin: number,
): Promise<void> {
  const byKey = new Map<
    string,
    { day: string; login: string; all: number; licence: number; hours: number }
  >();
  for (const a of added) {
    const day = localDayOf(a.at, utcOffsetMin);
    const k = `${day}\u0000${a.login}`;
    const e = byKey.get(k) ?? { day, login: a.login, all: 0, licence: 0, hours: 0 };
    e.all += 1;
    if (isLicenceRefusal(a.reason)) e.licence += 1;
    e.hours |= 1 << localHourOf(a.at, utcOffsetMin);
    byKey.set(k, e);
  }
  const rows = [...byKey.values()].map((e) => ({
    installation_id: installationId,
    day: e.day,
    login: e.login,
    refusals: e.all,
    licence_refusals: e.licence,
    hours: e.hours,
  }));
  // Per local month: the refusals added, and the login-days that got their first licence refusal.
  const months = new Map<string, { refusals: number; licenceDays: number }>();
  for (let i = 0; i < rows.length; i += 200) {
    const part = rows.slice(i, i + 200);
    const after = await db
      .insertInto('refused_logons_daily')
      .values(part)
      .onConflict((oc) =>
        oc.columns(['installation_id', 'day', 'login']).doUpdateSet((eb) => ({
          refusals: eb('refused_logons_daily.refusals', '+', eb.ref('excluded.refusals')),
          licence_refusals: eb(
            'refused_logons_daily.licence_refusals',
            '+',
            eb.ref('excluded.licence_refusals'),
          ),
          hours: sql<number>`refused_logons_daily.hours | excluded.hours`,
        })),
      )
      .returning(['day', 'login', 'licence_refusals'])
      .execute();
    const nowLicence = new Map(after.map((r) => [`${r.day}\u0000${r.login}`, Number(r.licence_refusals)]));
    for (const r of part) {
      const m = months.get(r.day.slice(0, 7)) ?? { refusals: 0, licenceDays: 0 };
      m.refusals += r.refusals;
      // The row had none before exactly when all it holds now was just added.
      if (r.licence_refusals > 0 && nowLicence.get(`${r.day}\u0000${r.login}`) === r.licence_refusals)
        m.licenceDays += 1;
      months.set(r.day.slice(0, 7), m);
    }
  }
  if (months.size === 0) return;
  await db
    .insertInto('refused_logons_monthly')
    .values(
      [...months].map(([month, m]) => ({
        installation_id: installationId,
        month,
        refusals: m.refusals,
        licence_days: m.licenceDays,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['installation_id', 'month']).doUpdateSet((eb) => ({
        refusals: eb('refused_logons_monthly.refusals', '+', eb.ref('excluded.refusals')),
        licence_days: eb('refused_logons_monthly.licence_days', '+', eb.ref('excluded.licence_days')),
      })),
    )
    .execute();
}

/** Local day and hour of `refused_logons.at` in SQL, at the installation's offset `i.utc_offset_min`. */
function localParts(kind: DbKind): { day: RawBuilder<string>; hour: RawBuilder<number> } {
  const local = sql`(r.at + i.utc_offset_min * 60000)`;
  return kind === 'sqlite'
    ? {
        day: sql<string>`strftime('%Y-%m-%d', ${local} / 1000, 'unixepoch')`,
        hour: sql<number>`((${local} / ${sql.lit(HOUR)}) % 24)`,
      }
    : {
        day: sql<string>`to_char(to_timestamp(${local} / 1000.0) at time zone 'UTC', 'YYYY-MM-DD')`,
        hour: sql<number>`((${local} / ${sql.lit(HOUR)}) % 24)::int`,
      };
}

/** Recomputes `refused_logons_monthly` from the daily rows (some installations, or all). */
export async function rebuildRefusedMonthly(
  db: QueryExecutorProvider,
  opts: { installationIds?: readonly number[] } = {},
): Promise<void> {
  const ids = opts.installationIds;
  if (ids && ids.length === 0) return;
  const only = ids ? sql`where installation_id in (${sql.join([...ids])})` : sql``;
  await sql`delete from refused_logons_monthly ${only}`.execute(db);
  await sql`insert into refused_logons_monthly (installation_id, month, refusals, licence_days)
    select installation_id, substr(day, 1, 7), sum(refusals),
      sum(case when licence_refusals > 0 then 1 else 0 end)
    from refused_logons_daily ${only}
    group by installation_id, substr(day, 1, 7)`.execute(db);
}

/**
 * Recomputes the table from the log (some installations, or all): the migration's backfill and a bulk
 * loader's. The mask is the sum of the distinct powers of two, which is their OR on both engines.
 */
export async function rebuildRefusedDaily(
  db: QueryExecutorProvider,
  kind: DbKind,
  opts: { installationIds?: readonly number[] } = {},
): Promise<void> {
  const ids = opts.installationIds;
  if (ids && ids.length === 0) return;
  const only = (col: string) => (ids ? sql`where ${sql.ref(col)} in (${sql.join([...ids])})` : sql``);
  await sql`delete from refused_logons_daily ${only('installation_id')}`.execute(db);
  const { day, hour } = localParts(kind);
  const licence = licenceReasonSql(sql.ref('r.reason'));
  await sql`insert into refused_logons_daily (installation_id, day, login, refusals, licence_refusals, hours)
    select r.installation_id, ${day}, r.login, count(*), sum(case when ${licence} then 1 else 0 end),
      sum(distinct ${sql.lit(1)} << ${hour})
    from refused_logons r
    join installations i on i.id = r.installation_id
    ${only('r.installation_id')}
    group by r.installation_id, ${day}, r.login`.execute(db);
}
