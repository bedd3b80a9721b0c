/**
 * Quiet periods of episodic clients: a client detected as `episodic-quarterly` or
 * `episodic-half-yearly` is expected not to work outside its active month, so the low-activity
 * nudges (below) are held back then, as a silence would; empty-search, exhaustion and every other
 * alert stay on, so a change of behaviour is still seen (seed 004). Read by the alert suppression
 * (src/alerts/suppression.ts), which shows it as `quiet:<profile>` wherever suppressions are shown.
 */
import type { Db } from '../db/database.js';
import { DEFAULT_HEALTH_SETTINGS } from './settings.js';
import { isEpisodic, quietMonth, type ProfileDetail } from './profile.js';
import { zonedParts } from '../alerts/suppression.js';

/** Alerts that only say "the client uses little": muted in an expected quiet month. */
export const QUIET_MUTED: ReadonlySet<string> = new Set([
  'KodeksUserActivityIsLow',
  'KodeksUserAInvolvementIsLow',
  'OnlineUserActivityIsLow10',
  'OnlineUserActivityIsLow20',
  'OnlineUserActivityIsLow30',
  'OnlineAccessUnused',
]);

/** Clients of the dealer in an expected quiet month now → the reason (`quiet:episodic-quarterly`). */
export async function loadQuietClients(db: Db, dealerId: number, now: number): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  const latest = await db
    .selectFrom('client_health_daily')
    .select((eb) => eb.fn.max('day').as('day'))
    .where('dealer_id', '=', dealerId)
    .executeTakeFirst();
  if (!latest?.day) return out;
  const [rows, settings] = await Promise.all([
    db
      .selectFrom('client_health_daily')
      .select(['client_id', 'profile', 'profile_detail'])
      .where('dealer_id', '=', dealerId)
      .where('day', '=', latest.day)
      .where('profile', 'in', ['episodic-quarterly', 'episodic-half-yearly'])
      .execute(),
    db
      .selectFrom('client_health_settings')
      .select('time_zone')
      .where('dealer_id', '=', dealerId)
      .executeTakeFirst(),
  ]);
  const p = zonedParts(now, settings?.time_zone ?? DEFAULT_HEALTH_SETTINGS.timeZone);
  const month = `${p.y}-${String(p.mo).padStart(2, '0')}`;
  for (const r of rows) {
    if (!isEpisodic(r.profile)) continue;
    const q = quietMonth(JSON.parse(r.profile_detail) as ProfileDetail, month);
    if (q?.quiet) out.set(r.client_id, `quiet:${r.profile}`);
  }
  return out;
}
