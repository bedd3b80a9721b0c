/**
 * The refused logons of «Для менеджеров»: the table per day, login and installation, and the accounts
 * refused per hour. The log holds only refusals (a few per installation and day), read by its key
 * (installation, login, time) over the range.
 */
import { sql } from 'kysely';
import type { AppContext } from '../context.js';
import { ROLLUP_OFFSET_MIN } from '../metrics/rollup.js';
import type { ManagerAligned, RefusedDayRow } from './contract-managers.js';
import { HOUR, localDaySql } from './for-managers-days.js';
import { emptyAligned, installationSeries } from './for-managers-samples.js';
import type { UserFilter } from './for-managers-users.js';
import { bucketStarts, chooseStep, type Range } from './range.js';
import { rank } from './series-read.js';
import type { InstallationSubject } from './subjects.js';

/**
 * The refusals «из-за использования всех лицензий»: the ПК's refused-logon list is of logons refused for
 * want of a free workplace; a reason that names another cause (a wrong password, say) is left out.
 */
const LICENCE_REASON = sql`(r.reason is null or ${sql.join(
  ['%2008%', '%4106%', '%превысил%', '%лиценз%', '%Лиценз%', '%рабочих мест%', '%рабочего места%'].map(
    (p) => sql`r.reason like ${p}`,
  ),
  sql` or `,
)})`;

function refusedUserConditions(f: UserFilter) {
  const parts = [];
  if (f.logins) parts.push(sql`r.login in (${sql.join(f.logins)})`);
  if (f.domains)
    parts.push(sql`exists (select 1 from installation_users iu where iu.installation_id = r.installation_id
      and iu.login = r.login and iu.domain in (${sql.join(f.domains)}))`);
  return parts.length ? sql` and ${sql.join(parts, sql` and `)}` : sql``;
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
): Promise<{ rows: RefusedDayRow[]; total: number }> {
  if (subjects.length === 0) return { rows: [], total: 0 };
  const byId = new Map(subjects.map((s) => [s.id, s]));
  const day = localDaySql(ctx.dbKind, sql`r.at`, sql`i.utc_offset_min`);
  const r = await sql<{ installation_id: number; login: string; day: string; n: number; total: number }>`
    select r.installation_id, r.login, ${day} as day, count(*) as n, count(*) over () as total
    from refused_logons r
    join installations i on i.id = r.installation_id
    where r.installation_id in (${sql.join([...byId.keys()])}) and r.at >= ${range.from} and r.at <= ${range.to}
      and ${LICENCE_REASON}${refusedUserConditions(filter)}
    group by r.installation_id, r.login, ${day}
    order by ${day} desc, count(*) desc, ${sql.raw(ctx.dbKind === 'postgres' ? 'r.login collate "C"' : 'r.login')},
      r.installation_id
    limit ${rows}`.execute(ctx.db);
  return {
    rows: r.rows.map((x) => {
      const s = byId.get(Number(x.installation_id))!;
      return {
        day: x.day,
        installationId: s.id,
        clientId: s.clientId,
        client: s.client,
        host: s.host,
        login: x.login,
        count: Number(x.n),
      };
    }),
    total: r.rows.length ? Number(r.rows[0]!.total) : 0,
  };
}

/**
 * «Количество пользователей не смогли подключиться за 1 час»: per installation, the accounts refused a
 * logon for any reason in each bucket (an hour on ranges up to a month; longer ranges use wider bars),
 * 0 in a bucket without refusals. Ranked by the refusals of the range, most first; installations without
 * any are left out.
 */
export async function refusedPerHour(
  ctx: AppContext,
  subjects: readonly InstallationSubject[],
  range: Range,
  limit: number,
): Promise<ManagerAligned> {
  const step = chooseStep(range, 800, HOUR);
  const starts = bucketStarts(range, step, ROLLUP_OFFSET_MIN);
  const out = emptyAligned(step, starts);
  if (subjects.length === 0) return out;
  const byId = new Map(subjects.map((s) => [s.id, s]));
  const base = sql.lit(starts[0]!);
  const st = sql.lit(step);
  const r = await sql<{ installation_id: number; b: number; n: number }>`
    select installation_id, (at - ${base}) / ${st} as b, count(distinct login) as n
    from refused_logons
    where installation_id in (${sql.join([...byId.keys()])}) and at >= ${starts[0]!} and at <= ${range.to}
    group by installation_id, (at - ${base}) / ${st}`.execute(ctx.db);
  const per = new Map<number, Map<number, number>>();
  for (const x of r.rows) {
    const id = Number(x.installation_id);
    if (!per.has(id)) per.set(id, new Map());
    per.get(id)!.set(Number(x.b), Number(x.n));
  }
  const entries = [...per].map(([id, m]) => ({
    id,
    label: byId.get(id)!.host,
    value: [...m.values()].reduce((a, b) => a + b, 0),
    m,
  }));
  rank(entries);
  out.total = entries.length;
  out.series = entries.slice(0, limit).map((e) =>
    installationSeries(
      byId.get(e.id)!,
      starts.map((_, i) => e.m.get(i) ?? 0),
    ),
  );
  return out;
}
