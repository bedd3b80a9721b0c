/**
 * Rolling availability from the daily ok/total counters: the share of successful checks over the 30
 * days up to each point, as the spec's availability dashboards plot it (one point per UTC day, and the
 * current value over the last 30 days including today so far).
 */
import type { AppContext } from '../context.js';
import { DAY_MS, type SubjectKind } from './checks.js';

export const AVAILABILITY_WINDOW_DAYS = 30;

export interface AvailabilityPoint {
  /** End of the window (the end of a UTC day, or now for the last point), ms. */
  at: number;
  /** Percent, or null when nothing was checked in the window. */
  pct: number | null;
  ok: number;
  total: number;
}

export interface Availability {
  check: string;
  /** Over the last 30 days up to now. */
  current: AvailabilityPoint;
  /** One point per day in [from, to]. */
  points: AvailabilityPoint[];
}

function pct(ok: number, total: number): number | null {
  return total === 0 ? null : Math.round((ok / total) * 1_000_000) / 10_000;
}

/**
 * The rolling availability of one check summed over a set of subjects (one installation, one online
 * access, or every access on a DC server). Callers check the scope of the subjects first.
 */
export async function rollingAvailability(
  ctx: AppContext,
  kind: SubjectKind,
  subjectIds: number[],
  check: string,
  range: { from: number; to: number },
  windowDays = AVAILABILITY_WINDOW_DAYS,
): Promise<Availability> {
  const now = ctx.clock.now();
  const to = Math.min(range.to, now);
  const firstDay = Math.floor(range.from / DAY_MS) * DAY_MS;
  const lastDay = Math.floor(to / DAY_MS) * DAY_MS;
  const windowStart = firstDay - (windowDays - 1) * DAY_MS;
  const byDay = new Map<number, { ok: number; total: number }>();
  const nowDay = Math.floor(now / DAY_MS) * DAY_MS;
  const currentStart = nowDay - (windowDays - 1) * DAY_MS;
  const loadFrom = Math.min(windowStart, currentStart);
  for (let i = 0; i < subjectIds.length; i += 400) {
    const rows = await ctx.db
      .selectFrom('availability_daily')
      .select([
        'day',
        (eb) => eb.fn.sum<number>('ok').as('ok'),
        (eb) => eb.fn.sum<number>('total').as('total'),
      ])
      .where('subject_kind', '=', kind)
      .where('subject_id', 'in', subjectIds.slice(i, i + 400))
      .where('check_name', '=', check)
      .where('day', '>=', loadFrom)
      .where('day', '<=', Math.max(lastDay, nowDay))
      .groupBy('day')
      .execute();
    for (const r of rows) {
      const d = byDay.get(r.day) ?? { ok: 0, total: 0 };
      d.ok += Number(r.ok);
      d.total += Number(r.total);
      byDay.set(r.day, d);
    }
  }
  const windowSum = (endDay: number) => {
    let ok = 0;
    let total = 0;
    for (let d = endDay - (windowDays - 1) * DAY_MS; d <= endDay; d += DAY_MS) {
      const v = byDay.get(d);
      if (v) {
        ok += v.ok;
        total += v.total;
      }
    }
    return { ok, total };
  };
  const points: AvailabilityPoint[] = [];
  if (subjectIds.length > 0) {
    for (let d = firstDay; d <= lastDay; d += DAY_MS) {
      const s = windowSum(d);
      points.push({ at: Math.min(d + DAY_MS, now), pct: pct(s.ok, s.total), ...s });
    }
  }
  const cur = windowSum(nowDay);
  return { check, current: { at: now, pct: pct(cur.ok, cur.total), ...cur }, points };
}
