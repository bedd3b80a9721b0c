/**
 * What the client-health endpoints take and answer (docs/health.md, docs/api.md). The web app imports
 * the types only.
 */
import { z } from 'zod';
import { BANDS } from './score.js';
import { PROFILES } from './profile.js';
import { SIGNAL_KINDS } from './compute.js';

const Id = z
  .string()
  .regex(/^[1-9]\d{0,15}$/, 'must be a positive integer id')
  .transform(Number);

export const HealthListQuery = z
  .object({
    dealerId: Id.optional(),
    band: z.enum([...BANDS, 'nodata']).optional(),
    profile: z.enum(PROFILES).optional(),
    signal: z.enum(SIGNAL_KINDS).optional(),
    managerId: Id.optional(),
    /** Part of the client's name. */
    q: z.string().trim().max(100).optional(),
    limit: z.coerce.number().int().min(1).max(5000).optional(),
  })
  .strict();
export type HealthListQuery = z.infer<typeof HealthListQuery>;

export const SignalOut = z.object({
  kind: z.enum(SIGNAL_KINDS),
  text: z.string(),
  from: z.string().optional(),
  to: z.string().optional(),
  months: z.number().optional(),
  of: z.number().optional(),
});

export const MeasuresOut = z.object({
  activity: z.number().nullable(),
  involvement: z.number().nullable(),
  docLimitUse: z.number().nullable(),
  emptySearch: z.number().nullable(),
  exhaustion: z.number().nullable(),
  incidents: z.number().nullable(),
  freshness: z.number().nullable(),
});

export const ProfileDetailOut = z.object({
  monthsWithData: z.number(),
  activeMonths: z.array(z.string()),
  earlyExhaustedMonths: z.array(z.string()),
  periodMonths: z.number().optional(),
  phase: z.number().optional(),
  fit: z.number().optional(),
  quietNow: z.object({ quiet: z.boolean(), nextActive: z.string() }).optional(),
});

export const HealthItemOut = z.object({
  clientId: z.number(),
  dealerId: z.number(),
  client: z.string(),
  managers: z.array(z.string()),
  day: z.string(),
  score: z.number().nullable(),
  band: z.string(),
  /** Score change against the stored day a week before (null when there is none). */
  trend: z.number().nullable(),
  profile: z.string(),
  profileDetail: ProfileDetailOut,
  earlyExhaustion: z.number(),
  measures: MeasuresOut,
  signals: z.array(SignalOut),
});
export type HealthItem = z.infer<typeof HealthItemOut>;

export const HealthListOut = z.object({ items: z.array(HealthItemOut) });
export type HealthList = z.infer<typeof HealthListOut>;

export const HealthHistoryQuery = z
  .object({ days: z.coerce.number().int().min(1).max(400).optional() })
  .strict();

export const HealthHistoryOut = z.object({
  clientId: z.number(),
  client: z.string(),
  points: z.array(
    z.object({
      day: z.string(),
      /** Local midnight of the day as UTC ms (for charts). */
      ts: z.number(),
      score: z.number().nullable(),
      band: z.string(),
      profile: z.string(),
      signals: z.array(SignalOut),
    }),
  ),
  latest: HealthItemOut.nullable(),
});
export type HealthHistory = z.infer<typeof HealthHistoryOut>;

export const HealthSettingsOut = z.object({
  dealerId: z.number(),
  exhaustN: z.number(),
  exhaustM: z.number(),
  timeZone: z.string(),
  dailyHour: z.number(),
  morningHour: z.number(),
  weeklyDay: z.number(),
  weeklyHour: z.number(),
  digestsEnabled: z.boolean(),
});

export const DealerQuery = z.object({ dealerId: Id.optional() }).strict();
