/**
 * What the renewal dashboards («Данные для пролонгации», 064; «Биллинг Онлайн. Данные для пролонгации»,
 * 081) and the ЛПР report take and answer. The same zod schemas validate the query and serialise the
 * answer; the web app imports the types only.
 */
import { z } from 'zod';
import { VariablesQuery } from '../dashboards/contract.js';

/** Clients per page unless `limit` says otherwise, and the most a page may hold. */
export const RENEWAL_PAGE_DEFAULT = 50;
export const RENEWAL_PAGE_MAX = 500;

export const Year = z.coerce
  .number()
  .int('must be a whole year like 2025')
  .min(2000, 'must be a year from 2000 on')
  .max(2100, 'must be a year up to 2100');

/** The unit, manager and client variables, the calendar year and a page of clients. */
export const RenewalQuery = VariablesQuery.omit({ installationId: true, onlineAccessId: true }).extend({
  /** Default: the current year (Moscow). */
  year: Year.optional(),
  offset: z.coerce.number().int().min(0).max(1_000_000).optional(),
  limit: z.coerce.number().int().min(1).max(RENEWAL_PAGE_MAX).optional(),
});
export type RenewalQuery = z.infer<typeof RenewalQuery>;

export const ReportQuery = z.object({ year: Year.optional() });
export type ReportQuery = z.infer<typeof ReportQuery>;

/**
 * The month-over-month change of a cell: (current − previous) ÷ previous × 100, rounded to 0.1;
 * `'inf'` when the previous month was 0 and this one is not; null when either month has no data or
 * both are 0 (the spec's "No data", 0/0).
 */
export const Change = z.union([z.number(), z.literal('inf'), z.null()]);
export type Change = z.infer<typeof Change>;

/** The rows of 064, in the spec's order. */
export const INSTALLATION_METRICS = [
  'docsRequested',
  'docsSaved',
  'docsPrinted',
  'refused',
  'activity',
] as const;
export type InstallationMetric = (typeof INSTALLATION_METRICS)[number];

export const MetricRow = z.object({
  metric: z.enum(INSTALLATION_METRICS),
  /** Per month January..December; null: no report of the month ("No data"). */
  values: z.array(z.number().nullable()),
  changes: z.array(Change),
});
export type MetricRow = z.infer<typeof MetricRow>;

export const RenewalClient = z.object({
  clientId: z.number(),
  client: z.string(),
  managers: z.array(z.string()),
  /** The client's installations (their figures are summed). */
  installations: z.array(z.object({ id: z.number(), host: z.string() })),
  rows: z.array(MetricRow),
});
export type RenewalClient = z.infer<typeof RenewalClient>;

export const RenewalOut = z.object({
  year: z.number(),
  /** `YYYY-MM` of the twelve months. */
  months: z.array(z.string()),
  /** Clients matching the variables (all pages). */
  total: z.number(),
  offset: z.number(),
  limit: z.number(),
  clients: z.array(RenewalClient),
});
export type RenewalOut = z.infer<typeof RenewalOut>;

export const ONLINE_ROW_KINDS = ['docs', 'search', 'print', 'export'] as const;
export type OnlineRowKind = (typeof ONLINE_ROW_KINDS)[number];

export const OnlineRow = z.object({
  kind: z.enum(ONLINE_ROW_KINDS),
  /** The month's last remainder («Остаток …»); null: no reading in the month. */
  remaining: z.array(z.number().nullable()),
  /** The month's limit. */
  limits: z.array(z.number().nullable()),
  /** Units used (limit − remainder) and its change against the month before. */
  used: z.array(z.number().nullable()),
  changes: z.array(Change),
  /** Day of the month (Moscow) the remainder first reached 0; null: not exhausted (or no readings). */
  exhaustedDay: z.array(z.number().nullable()),
});
export type OnlineRow = z.infer<typeof OnlineRow>;

export const RenewalOnlineClient = z.object({
  clientId: z.number(),
  client: z.string(),
  managers: z.array(z.string()),
  /** One table per login: every login has its own limits (spec §10.8; docs/renewal.md). */
  accesses: z.array(
    z.object({
      id: z.number(),
      login: z.string(),
      host: z.string(),
      catalog: z.string(),
      rows: z.array(OnlineRow),
    }),
  ),
});
export type RenewalOnlineClient = z.infer<typeof RenewalOnlineClient>;

export const RenewalOnlineOut = RenewalOut.omit({ clients: true }).extend({
  clients: z.array(RenewalOnlineClient),
});
export type RenewalOnlineOut = z.infer<typeof RenewalOnlineOut>;
