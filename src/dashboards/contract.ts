/**
 * What the dashboards API takes and answers: one zod schema per query and response, shared by the
 * server routes (validation, serialisation) and the web app (types only, `import type`).
 *
 * Time series come aligned, in the shape uPlot draws directly: one `timestamps` array (bucket starts,
 * ms) and per series one `values` array of the same length, `null` where there is no data (drawn as a
 * gap, never interpolated). Buckets are `step` ms wide; the server picks the step from the range.
 */
import { z } from 'zod';

const DAY = 86_400_000;

/** Milliseconds since 1970-01-01 UTC in a query string. */
const Ms = z
  .string()
  .regex(/^\d{1,15}$/, 'must be milliseconds since 1970-01-01 UTC')
  .transform(Number);

/** A list of ids in a query string: `1,2,3` (or the parameter repeated). Empty means all. */
const IdList = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v.join(',') : v))
  .pipe(
    z
      .string()
      .regex(/^(\d{1,15}(,\d{1,15})*)?$/, 'must be comma-separated ids')
      .transform((s) => (s ? s.split(',').map(Number) : [])),
  );

const StrList = z
  .union([z.string().max(2000), z.array(z.string().max(200)).max(200)])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((x) => x.trim()).filter(Boolean));

/**
 * The variables at the top of every dashboard. Each narrows the subjects within the caller's scope
 * (never widens it); empty or absent = all. `dealerId` is for the operator, who sees every dealer.
 */
export const VariablesQuery = z.object({
  dealerId: Ms.optional(),
  unitId: IdList.optional(),
  managerId: IdList.optional(),
  clientId: IdList.optional(),
  installationId: IdList.optional(),
  onlineAccessId: IdList.optional(),
});
export type VariablesQuery = z.infer<typeof VariablesQuery>;

/** Time range plus variables. `to` defaults to now, `from` to the dashboard's default range. */
export const RangeQuery = VariablesQuery.extend({
  from: Ms.optional(),
  to: Ms.optional(),
  /**
   * Series per panel at most (the legend says "N of total"); ranked by the panel's own order (the
   * worst first). Default `DEFAULT_SERIES_LIMIT`: a chart of a thousand lines is unreadable anyway.
   */
  limit: z.coerce.number().int().min(1).max(2000).optional(),
});
export type RangeQuery = z.infer<typeof RangeQuery>;

/** Series a panel draws unless the query's `limit` says otherwise. */
export const DEFAULT_SERIES_LIMIT = 50;

/** Default ranges, as in the existing service's dashboards. */
export const DEFAULT_RANGE_MS = {
  kodeksAnalytics: 90 * DAY,
  serverMetrics: 7 * DAY,
  availability: 30 * DAY,
  availabilityOnline: 1 * DAY,
  billingStats: 30 * DAY,
  emergencies: 30 * DAY,
} as const;

export const AlignedSeries = z.object({
  /** Stable key (e.g. `i:12` for an installation, `o:7` for an online access, `m:3` for a manager). */
  key: z.string(),
  /** Legend text: the host for an installation, `client / login` for an access, a manager's name. */
  label: z.string(),
  installationId: z.number().optional(),
  onlineAccessId: z.number().optional(),
  clientId: z.number().optional(),
  values: z.array(z.number().nullable()),
});
export type AlignedSeries = z.infer<typeof AlignedSeries>;

export const Aligned = z.object({
  step: z.number(),
  timestamps: z.array(z.number()),
  series: z.array(AlignedSeries),
  /** Series that matched before `limit` cut the list. */
  total: z.number(),
});
export type Aligned = z.infer<typeof Aligned>;

// ---------------------------------------------------------------- variables

export const VariablesOut = z.object({
  dealers: z.array(z.object({ id: z.number(), code: z.string(), name: z.string() })),
  units: z.array(z.object({ id: z.number(), name: z.string(), parentId: z.number().nullable() })),
  managers: z.array(z.object({ id: z.number(), name: z.string(), unitId: z.number().nullable() })),
  clients: z.array(z.object({ id: z.number(), shortName: z.string(), name: z.string().nullable() })),
  installations: z.array(
    z.object({ id: z.number(), clientId: z.number(), host: z.string(), kind: z.string() }),
  ),
  onlineAccesses: z.array(
    z.object({
      id: z.number(),
      clientId: z.number(),
      login: z.string(),
      host: z.string(),
      catalog: z.string(),
    }),
  ),
  /** AD domains ever seen in the visible installations' sysinfo users. */
  domains: z.array(z.string()),
  /** DC server host names of the visible online accesses. */
  dcServers: z.array(z.string()),
});
export type VariablesOut = z.infer<typeof VariablesOut>;

// ---------------------------------------------------------------- Kodeks аналитика

export const KodeksAnalyticsQuery = RangeQuery.extend({ domain: StrList.optional() });
export type KodeksAnalyticsQuery = z.infer<typeof KodeksAnalyticsQuery>;

export const KODEKS_ANALYTICS_PANELS = [
  'usedLicences', // Используемые лицензии
  'licenceHeadroom', // Разница между используемыми лицензиями и регом (reg − used)
  'failedSearches', // Количество неудачных поисков за сутки
  'kassistRequests', // Среднее число запросов kassist за месяц
  'inactive60d', // Не пользуются системой в течение 60 дней
  'dbRequests', // Запросы к БД (month to date)
  'countedDocs', // Учитываемые документы (month to date)
  'savedDocs', // Сохранение документов (month to date)
  'docOrService', // Doc or Service (month to date)
  'printedDocs', // Печать документов (month to date)
  'regLicences', // Количество лицензий на инсталляции
] as const;
export type KodeksAnalyticsPanel = (typeof KODEKS_ANALYTICS_PANELS)[number];

export const KodeksAnalyticsOut = z.object({
  from: z.number(),
  to: z.number(),
  panels: z.record(z.enum(KODEKS_ANALYTICS_PANELS), Aligned),
});
export type KodeksAnalyticsOut = z.infer<typeof KodeksAnalyticsOut>;

// ---------------------------------------------------------------- Kodeks server metrics

export const CHECK_TYPES = ['tcp', 'http200', 'auth', 'maintenance', 'warning', 'key', 'limit'] as const;
export const ServerMetricsQuery = RangeQuery.extend({ checktype: StrList.optional() });
export type ServerMetricsQuery = z.infer<typeof ServerMetricsQuery>;

export const ServerMetricsOut = z.object({
  from: z.number(),
  to: z.number(),
  /** Время нештатного состояния сервера: one series per (state × host), 0 or the HTTP status. */
  abnormal: Aligned,
  /** Статусы on-line проверок: one series per (check × host), 1 ok, 0 failed. */
  checks: Aligned,
  /** Разделы с менее чем 10Gb свободного места (telegraf; empty unless configured). */
  lowDisk: Aligned,
});
export type ServerMetricsOut = z.infer<typeof ServerMetricsOut>;

// ---------------------------------------------------------------- Доступность серверов

export const AvailabilityOut = z.object({
  from: z.number(),
  to: z.number(),
  /** Доступность интерфейса ПК в % за последние 30 дней (http200), a point per day. */
  interface: Aligned,
  /** Доступность открытого порта к ПК в % за последние 30 дней (tcp). */
  port: Aligned,
});
export type AvailabilityOut = z.infer<typeof AvailabilityOut>;

export const AvailabilityOnlineQuery = RangeQuery.extend({ server: StrList.optional() });
export type AvailabilityOnlineQuery = z.infer<typeof AvailabilityOnlineQuery>;
export const AvailabilityOnlineOut = z.object({
  from: z.number(),
  to: z.number(),
  /** Доступность биллинга клиента за 30 дней: per access (variable `clientId` applies here only). */
  clients: Aligned,
  /** Доступность биллинга по серверам: per DC host (variable `server` applies here only). */
  servers: Aligned,
});
export type AvailabilityOnlineOut = z.infer<typeof AvailabilityOnlineOut>;

// ---------------------------------------------------------------- Биллинг Онлайн. Статистика

export const BillingRow = z.object({
  onlineAccessId: z.number(),
  clientId: z.number(),
  client: z.string(),
  login: z.string(),
  host: z.string(),
  catalog: z.string(),
  docsRemaining: z.number().nullable(),
  docsUsedPct: z.number().nullable(),
  searchRemaining: z.number().nullable(),
  searchUsedPct: z.number().nullable(),
  printRemaining: z.number().nullable(),
  exportRemaining: z.number().nullable(),
  managers: z.array(z.string()),
  readAt: z.number().nullable(),
});
export type BillingRow = z.infer<typeof BillingRow>;

export const ProblemRow = z.object({
  onlineAccessId: z.number(),
  client: z.string(),
  address: z.string(),
  catalog: z.string(),
  login: z.string(),
  error: z.string(),
  since: z.number().nullable(),
  managers: z.array(z.string()),
});
export type ProblemRow = z.infer<typeof ProblemRow>;

export const BillingStatsOut = z.object({
  from: z.number(),
  to: z.number(),
  table: z.array(BillingRow),
  /** Footer "Mean" of each numeric column over the rows (null when no row has a value). */
  mean: z.record(z.string(), z.number().nullable()),
  remaining: z.object({ docs: Aligned, search: Aligned, print: Aligned, export: Aligned }),
  /** Средний процент использования лимита документов по всем клиентам (one series). */
  avgDocsUsedPct: Aligned,
  /** … по всем клиентам менеджера (one series per manager; the 15% norm line is drawn by the UI). */
  avgDocsUsedPctByManager: Aligned,
  /** Ошибки подключения к серверам: «Проблемы с получением статистики». */
  problems: z.array(ProblemRow),
});
export type BillingStatsOut = z.infer<typeof BillingStatsOut>;

// ---------------------------------------------------------------- Текущие аварийные ситуации

export const EmergenciesQuery = RangeQuery.extend({
  name: StrList.optional(),
  priority: StrList.optional(),
  importance: StrList.optional(),
  state: z.enum(['open', 'firing', 'resolved', 'all']).optional(),
  offset: z.coerce.number().int().min(0).optional(),
});
export type EmergenciesQuery = z.infer<typeof EmergenciesQuery>;

export const EmergencyRow = z.object({
  id: z.number(),
  name: z.string(),
  priority: z.string(),
  importance: z.string(),
  state: z.string(),
  clientId: z.number().nullable(),
  client: z.string().nullable(),
  managers: z.array(z.string()),
  text: z.string(),
  /** Legal name from sysinfo, regnum, and for online accesses catalog, url and user. */
  clientname: z.string().nullable(),
  regnum: z.string().nullable(),
  catalog: z.string().nullable(),
  url: z.string().nullable(),
  user: z.string().nullable(),
  filename: z.string().nullable(),
  installationId: z.number().nullable(),
  onlineAccessId: z.number().nullable(),
  host: z.string().nullable(),
  firstSeenAt: z.number(),
  firedAt: z.number().nullable(),
  resolvedAt: z.number().nullable(),
  /** Why no message goes out now: silenced, in a maintenance window, inhibited, acknowledged. */
  suppressed: z.boolean(),
  suppressedBy: z.string().nullable(),
  acknowledgedAt: z.number().nullable(),
  acknowledgedBy: z.string().nullable(),
  runbook: z.string(),
});
export type EmergencyRow = z.infer<typeof EmergencyRow>;

export const EmergenciesOut = z.object({
  from: z.number(),
  to: z.number(),
  total: z.number(),
  rows: z.array(EmergencyRow),
  /** Every alert name of the catalogue, for the «Тип аварии» variable. */
  names: z.array(z.string()),
  /** Open instances per priority, for the header counters. */
  openByPriority: z.record(z.string(), z.number()),
});
export type EmergenciesOut = z.infer<typeof EmergenciesOut>;

// ---------------------------------------------------------------- Client page

export const ChannelAge = z.object({
  channel: z.enum(['sysinfo', 'status', 'probe', 'poll']),
  lastAt: z.number().nullable(),
  /** Expected interval, to colour the age. */
  expectedMs: z.number().nullable(),
});

export const TimelineSegment = z.object({
  from: z.number(),
  to: z.number(),
  outcome: z.enum(['ok', 'failed', 'suppressed', 'unknown']),
});

export const ClientOverviewOut = z.object({
  client: z.object({
    id: z.number(),
    shortName: z.string(),
    name: z.string().nullable(),
    dealerId: z.number(),
    unitId: z.number().nullable(),
  }),
  managers: z.array(z.object({ id: z.number(), name: z.string(), emails: z.array(z.string()) })),
  /** The answer to "is this client fine right now?" and why not. */
  verdict: z.enum(['ok', 'warning', 'critical', 'unknown']),
  reasons: z.array(z.string()),
  installations: z.array(
    z.object({
      id: z.number(),
      host: z.string(),
      kind: z.string(),
      channels: z.array(ChannelAge),
      pkVersion: z.string().nullable(),
      sysinfoVersion: z.string().nullable(),
      regnum: z.string().nullable(),
      clientname: z.string().nullable(),
      seats: z.number().nullable(),
      licencesInUse: z.number().nullable(),
      /** Age in days of the newest OperUp file, and the newest update numbers/dates seen. */
      operupAgeDays: z.number().nullable(),
      updates: z.array(z.object({ name: z.string(), modifiedAt: z.number() })),
      licences: z.array(z.object({ name: z.string(), expiresAt: z.number().nullable() })),
      availability30d: z.object({ http200: z.number().nullable(), tcp: z.number().nullable() }),
      checks: z.array(z.object({ check: z.string(), outcome: z.string(), since: z.number() })),
      /** The last 24 hours of each check as outcome segments. */
      timeline: z.array(z.object({ check: z.string(), segments: z.array(TimelineSegment) })),
      openAlerts: z.number(),
    }),
  ),
  onlineAccesses: z.array(
    z.object({
      id: z.number(),
      login: z.string(),
      host: z.string(),
      catalog: z.string(),
      lastPollAt: z.number().nullable(),
      ok: z.boolean().nullable(),
      error: z.string().nullable(),
      docsRemaining: z.number().nullable(),
      docsUsedPct: z.number().nullable(),
      searchRemaining: z.number().nullable(),
      availability30d: z.number().nullable(),
      lastUsedAt: z.number().nullable(),
      openAlerts: z.number(),
    }),
  ),
  openAlerts: z.array(EmergencyRow),
});
export type ClientOverviewOut = z.infer<typeof ClientOverviewOut>;
