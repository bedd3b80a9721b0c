/**
 * Per-dealer settings of the health jobs: the early-exhaustion signal ("exhausted before the 20th in
 * N of the last M months") and the local times of the daily computation and the digests. A dealer
 * without a row has the defaults.
 */
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { isValidTimeZone } from '../alerts/suppression.js';
import { withTx } from '../db/tx.js';
import { ValidationError } from '../lib/errors.js';
import { audit } from '../tenancy/audit.js';
import type { Actor } from '../tenancy/scope.js';

export const DEFAULT_HEALTH_SETTINGS = {
  exhaustN: 3,
  exhaustM: 6,
  timeZone: 'Europe/Moscow',
  /** Local hour the day's scores are computed (after the nightly search-log reads at 03:00 …). */
  dailyHour: 5,
  /** Local hour of the morning digest of critical alerts left unresolved overnight. */
  morningHour: 8,
  /** ISO weekday (1 = Monday) and local hour of the weekly digest. */
  weeklyDay: 1,
  weeklyHour: 9,
  digestsEnabled: true,
};

export type HealthSettings = typeof DEFAULT_HEALTH_SETTINGS;

const Hour = z.number().int().min(0).max(23);

export const HealthSettingsIn = z
  .object({
    exhaustN: z.number().int().min(1).max(12),
    exhaustM: z.number().int().min(1).max(12),
    timeZone: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .refine((tz) => isValidTimeZone(tz), { message: 'must be an IANA time zone, e.g. Europe/Moscow' }),
    dailyHour: Hour,
    morningHour: Hour,
    weeklyDay: z.number().int().min(1).max(7),
    weeklyHour: Hour,
    digestsEnabled: z.boolean(),
  })
  .partial()
  .strict()
  .refine((s) => s.exhaustN === undefined || s.exhaustM === undefined || s.exhaustN <= s.exhaustM, {
    message: 'exhaustN must not exceed exhaustM',
    path: ['exhaustN'],
  });
export type HealthSettingsInput = z.infer<typeof HealthSettingsIn>;

export async function loadHealthSettings(ctx: AppContext, dealerId: number): Promise<HealthSettings> {
  const r = await ctx.db
    .selectFrom('client_health_settings')
    .selectAll()
    .where('dealer_id', '=', dealerId)
    .executeTakeFirst();
  if (!r) return { ...DEFAULT_HEALTH_SETTINGS };
  return {
    exhaustN: r.exhaust_n,
    exhaustM: r.exhaust_m,
    timeZone: r.time_zone,
    dailyHour: r.daily_hour,
    morningHour: r.morning_hour,
    weeklyDay: r.weekly_day,
    weeklyHour: r.weekly_hour,
    digestsEnabled: r.digests_enabled === 1,
  };
}

/** Merges a partial change into the dealer's settings; N ≤ M is checked on the result. */
export async function saveHealthSettings(
  ctx: AppContext,
  actor: Actor,
  dealerId: number,
  change: HealthSettingsInput,
): Promise<HealthSettings> {
  const next = { ...(await loadHealthSettings(ctx, dealerId)), ...change };
  if (next.exhaustN > next.exhaustM) {
    throw ValidationError.about('exhaustN', `must not exceed exhaustM (${next.exhaustM})`);
  }
  const row = {
    exhaust_n: next.exhaustN,
    exhaust_m: next.exhaustM,
    time_zone: next.timeZone,
    daily_hour: next.dailyHour,
    morning_hour: next.morningHour,
    weekly_day: next.weeklyDay,
    weekly_hour: next.weeklyHour,
    digests_enabled: next.digestsEnabled ? 1 : 0,
    updated_at: ctx.clock.now(),
  };
  await withTx(ctx, async (db) => {
    await db
      .insertInto('client_health_settings')
      .values({ dealer_id: dealerId, ...row })
      .onConflict((oc) => oc.column('dealer_id').doUpdateSet(row))
      .execute();
    await audit(db, ctx.clock, actor, {
      dealerId,
      action: 'update',
      entity: 'client_health_settings',
      entityId: dealerId,
      details: change,
    });
  });
  return next;
}
