/**
 * What the ASRP endpoints take and answer: the zod schemas shared by the routes (validation,
 * serialisation) and the web app (types only).
 */
import { z } from 'zod';
import { RangeQuery } from '../dashboards/contract.js';

const DAY = 86_400_000;

/** The job kind of the uploads in the shared `jobs` table. */
export const ASRP_JOB = 'asrp_upload';
/** The existing service's constant 604800 s: a week. */
export const ASRP_DEFAULT_SCHEDULE_S = 604_800;
export const ASRP_MIN_SCHEDULE_S = 3_600;
export const ASRP_MAX_SCHEDULE_S = 31 * 86_400;
/** «Загрузка sysinfo в АСРП» shows the last 30 days by default (observed). */
export const ASRP_DEFAULT_RANGE_MS = 30 * DAY;
export const ASRP_LOG_DEFAULT = 200;
export const ASRP_LOG_MAX = 2_000;

/** accepted = ok/«Принят»; repeat = «Повтор»; warning = refused by ASRP; error = no answer or HTTP error. */
export const ASRP_OUTCOMES = ['accepted', 'repeat', 'warning', 'error'] as const;
export type AsrpOutcome = (typeof ASRP_OUTCOMES)[number];
export const ASRP_ERROR_KINDS = ['auth', 'http', 'timeout', 'network', 'file'] as const;
export type AsrpErrorKind = (typeof ASRP_ERROR_KINDS)[number];
/** The dashboard's `response` variable: ok, warning (refused or «Повтор»), error (no answer). */
export const ASRP_RESPONSES = ['ok', 'warning', 'error'] as const;

export const AsrpSettingsInput = z.object({
  dealerId: z.number().int().positive().optional(),
  enabled: z.boolean(),
  endpoint: z
    .string()
    .trim()
    .max(2000)
    .pipe(z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// address' })),
  login: z.string().trim().min(1).max(200),
  /** Write-only: left out, the stored password stays. Required the first time. */
  password: z.string().min(1).max(500).optional(),
  scheduleS: z
    .number()
    .int()
    .min(ASRP_MIN_SCHEDULE_S, `must be at least ${ASRP_MIN_SCHEDULE_S} s (an hour)`)
    .max(ASRP_MAX_SCHEDULE_S, `must be at most ${ASRP_MAX_SCHEDULE_S} s (31 days)`)
    .default(ASRP_DEFAULT_SCHEDULE_S),
});
export type AsrpSettingsInput = z.input<typeof AsrpSettingsInput>;

export const AsrpSettingsOut = z.object({
  dealerId: z.number(),
  /** False until the settings are saved once. */
  configured: z.boolean(),
  enabled: z.boolean(),
  endpoint: z.string(),
  login: z.string(),
  /** Whether a password is stored; the password itself is never returned. */
  passwordSet: z.boolean(),
  scheduleS: z.number(),
  updatedAt: z.number().nullable(),
});
export type AsrpSettingsOut = z.infer<typeof AsrpSettingsOut>;

export const AsrpSendInput = z.object({
  dealerId: z.number().int().positive().optional(),
  /** Installations to send now; absent = every visible installation of the dealer. */
  installationIds: z.array(z.number().int().positive()).max(10_000).optional(),
});
export type AsrpSendInput = z.infer<typeof AsrpSendInput>;

export const AsrpSendOut = z.object({
  /** Installations whose upload was made due now (an unchanged file is still not sent). */
  queued: z.number(),
});

const ResponseList = z
  .union([z.string().max(100), z.array(z.string().max(20)).max(10)])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((x) => x.trim()).filter(Boolean))
  .pipe(z.array(z.enum(ASRP_RESPONSES)));

export const AsrpDashboardQuery = RangeQuery.extend({
  /** «Response»: ok, warning, error; absent = all. */
  response: ResponseList.optional(),
  /** Rows of the log at most (newest first). */
  logLimit: z.coerce.number().int().min(1).max(ASRP_LOG_MAX).optional(),
});
export type AsrpDashboardQuery = z.infer<typeof AsrpDashboardQuery>;

const Outcome = z.enum(ASRP_OUTCOMES);

export const AsrpLogRow = z.object({
  id: z.number(),
  at: z.number(),
  installationId: z.number(),
  clientId: z.number(),
  client: z.string(),
  host: z.string(),
  dealer: z.string(),
  outcome: Outcome,
  /** «Ответ сервера»: ok / warning, null when ASRP did not answer. */
  response: z.string().nullable(),
  /** «Состояние»: Принят / Повтор. */
  state: z.string().nullable(),
  uploadNumber: z.string().nullable(),
  identifier: z.string().nullable(),
  errorKind: z.enum(ASRP_ERROR_KINDS).nullable(),
  httpStatus: z.number().nullable(),
  message: z.string().nullable(),
  sizeBytes: z.number().nullable(),
});
export type AsrpLogRow = z.infer<typeof AsrpLogRow>;

export const AsrpInstallationRow = z.object({
  installationId: z.number(),
  clientId: z.number(),
  client: z.string(),
  host: z.string(),
  kind: z.string(),
  /** The newest stored sysinfo: when it was produced (or received) and whether ASRP has it. */
  sysinfoAt: z.number().nullable(),
  sysinfoAgeMs: z.number().nullable(),
  /** The newest sysinfo differs from the last one ASRP answered for: it goes with the next run. */
  pending: z.boolean(),
  /** No new sysinfo within the schedule period: the next run has nothing to send (spec L15). */
  stale: z.boolean(),
  last: AsrpLogRow.omit({
    installationId: true,
    clientId: true,
    client: true,
    host: true,
    dealer: true,
  }).nullable(),
  /** The last accepted («Принят») upload. */
  lastAcceptedAt: z.number().nullable(),
  /** Errors since the last answer of ASRP (the uploader backs off after each). */
  errorsInRow: z.number(),
  nextRunAt: z.number().nullable(),
});
export type AsrpInstallationRow = z.infer<typeof AsrpInstallationRow>;

export const AsrpDashboardOut = z.object({
  from: z.number(),
  to: z.number(),
  /** Settings of the dealers in view (no secrets). */
  dealers: z.array(
    z.object({ dealerId: z.number(), dealer: z.string(), enabled: z.boolean(), scheduleS: z.number() }),
  ),
  /** «Статус: Принят» and «Статус: не "ок"»: counts per hour (hour start, ms), hours with any upload. */
  hourly: z.array(z.object({ hour: z.number(), accepted: z.number(), notOk: z.number() })),
  totals: z.object({ accepted: z.number(), repeat: z.number(), warning: z.number(), error: z.number() }),
  installations: z.array(AsrpInstallationRow),
  log: z.array(AsrpLogRow),
  /** Log rows in the range before `logLimit` cut the list. */
  logTotal: z.number(),
});
export type AsrpDashboardOut = z.infer<typeof AsrpDashboardOut>;
