/**
 * How «Квартальная аналитика» judges a quarter: each installation and online access that reported gets a
 * usage class from its figures, and a client takes the highest class among its objects (a client who
 * works normally on one object is a working client; the list shows the objects' figures).
 *
 * - Installation (with a report in the quarter): `exhausting` when every licence was occupied on some
 *   day (seats known) or a logon was refused for lack of licences; `unused` with no DB request,
 *   document or search; `low` below 20 activity points (documents + searches) per month or below 60 %
 *   involvement; else `normal`. Activity per month is per 30.44 days from the quarter's first day with
 *   data to its end (or today), so a quarter in progress, or an installation added mid-quarter, is
 *   judged on the days it has (each report carries the month's usage to date, so days between reports
 *   are counted too). Involvement is the quarter's
 *   busiest day's users with DB requests per 100 seats: the rollup keeps users per day, not per month,
 *   so this is a lower bound of the Стандарт's monthly figure.
 * - Online access (with a reading in the quarter): `exhausting` when the document limit ran out in
 *   some month; `unused` when no unit of any limit was spent; `low` below 15 % of the document limit
 *   per month; else `normal`.
 */
import { QUARTERLY_NORMS, USAGE_CLASSES, type UsageClass } from './contract-quarterly.js';
import type { InstallationFigures, OnlineFigures } from './quarterly-load.js';
import type { QuarterSpan } from './quarterly-periods.js';

export const CLASS_RANK: Record<UsageClass, number> = Object.fromEntries(
  USAGE_CLASSES.map((c, i) => [c, i]),
) as Record<UsageClass, number>;

/** Days in an average month: activity per month = activity per day × this. */
export const DAYS_PER_MONTH = 365.25 / 12;
const DAY = 86_400_000;
const MOSCOW_MS = 180 * 60_000;

/** Days from `firstDay` to the end of the quarter, or to the end of today (Moscow) while it runs. */
export function coveredDays(firstDay: string, q: QuarterSpan, now: number): number {
  const first = Date.parse(`${firstDay}T00:00:00Z`);
  const endOfToday = Math.floor((now + MOSCOW_MS) / DAY) * DAY + DAY;
  const end = Math.min(q.utcTo, endOfToday);
  return Math.max(1, Math.round((end - first) / DAY));
}

export type ObjectClass = Exclude<UsageClass, 'noData'>;

export interface InstallationVerdict {
  class: ObjectClass;
  activityPerMonth: number;
  involvementPct: number | null;
}

/** null: the installation did not report in the quarter. */
export function judgeInstallation(
  f: InstallationFigures | undefined,
  seats: number | null,
  q: QuarterSpan,
  now: number,
): InstallationVerdict | null {
  if (!f || f.firstDay === null) return null;
  const used = f.dbRequests + f.activity;
  const activityPerMonth = (f.activity / coveredDays(f.firstDay, q, now)) * DAYS_PER_MONTH;
  const involvementPct = seats ? (f.peakUsers / seats) * 100 : null;
  let cls: ObjectClass;
  if ((seats && f.daysAtLicenceLimit > 0) || f.refusedLogons > 0) cls = 'exhausting';
  else if (used === 0) cls = 'unused';
  else if (
    activityPerMonth < QUARTERLY_NORMS.activityPerMonth ||
    (involvementPct !== null && involvementPct < QUARTERLY_NORMS.involvementPct)
  )
    cls = 'low';
  else cls = 'normal';
  return { class: cls, activityPerMonth, involvementPct };
}

/** null: the access had no reading in the quarter. */
export function judgeOnline(f: OnlineFigures | undefined): ObjectClass | null {
  if (!f || f.months === 0) return null;
  if (f.docsExhaustedMonths > 0) return 'exhausting';
  if (f.used === 0) return 'unused';
  if (f.docsUsedPct !== null && f.docsUsedPct < QUARTERLY_NORMS.docsUsedPct) return 'low';
  return 'normal';
}

/** The highest of the classes (noData when there is none). */
export function highest(classes: readonly UsageClass[]): UsageClass {
  let best: UsageClass = 'noData';
  for (const c of classes) if (CLASS_RANK[c] > CLASS_RANK[best]) best = c;
  return best;
}
