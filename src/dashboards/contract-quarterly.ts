/**
 * What «Квартальная аналитика» takes and answers (the existing service left the dashboard empty, spec
 * online-managers §4.9; the definitions are ours, docs/dashboards.md): per calendar quarter and per
 * manager, the portfolio of clients by usage class, empty searches, incidents and downtime, each with
 * the change against the quarter before; and the clients of one quarter with their class then and in
 * the quarter before. The same zod schemas validate the query and serialise the answer; the web app
 * imports the types only.
 */
import { z } from 'zod';
import { VariablesQuery } from './contract.js';

/** Quarters shown unless `quarters` says otherwise: the current one and the three before it. */
export const QUARTERS_DEFAULT = 4;
/** Two years at most: the store keeps 13 months, so older quarters would be empty anyway. */
export const QUARTERS_MAX = 8;

/**
 * A client's usage in a quarter, lowest first (the order of the stacked bars):
 * - `noData`: nothing of the client reported in the quarter (not yet monitored, or collection broken);
 * - `unused`: reports came, but nobody did anything (no DB request, document, search; no unit spent);
 * - `low`: used, below the Стандарт сопровождения's norms (activity, involvement, % of documents);
 * - `normal`: used at or above the norms;
 * - `exhausting`: hit a limit in at least one month (online documents exhausted; every licence of an
 *   installation occupied, or logons refused for lack of licences): the upsell signal.
 */
export const USAGE_CLASSES = ['noData', 'unused', 'low', 'normal', 'exhausting'] as const;
export type UsageClass = (typeof USAGE_CLASSES)[number];

/** The norms a quarter is judged by (spec online-managers §7, §8). */
export const QUARTERLY_NORMS = {
  /** Activity points (documents counted + searches) per month, as KodeksUserActivityIsLow: ≥ 20. */
  activityPerMonth: 20,
  /** Involvement % (users with DB requests per 100 seats), as KodeksUserAInvolvementIsLow: ≥ 60. */
  involvementPct: 60,
  /** % of the monthly document limit of an online access used: the Стандарт's per-client band, ≥ 15. */
  docsUsedPct: 15,
} as const;

/** `2025-Q3`. */
const QuarterKey = z.string().regex(/^\d{4}-Q[1-4]$/, 'must be a quarter like 2025-Q3');

/** The dealer, unit, manager and client variables (the page lists clients, not single objects). */
export const QuarterlyQuery = VariablesQuery.omit({ installationId: true, onlineAccessId: true }).extend({
  /** Quarters shown, ending with the one that holds `to`. */
  quarters: z.coerce.number().int().min(1).max(QUARTERS_MAX).optional(),
  /** An instant (ms) in the last quarter shown; default now. */
  to: z
    .string()
    .regex(/^\d{1,15}$/, 'must be milliseconds since 1970-01-01 UTC')
    .transform(Number)
    .optional(),
  /** The quarter whose clients are listed (one of those shown); default the last one. */
  quarter: QuarterKey.optional(),
});
export type QuarterlyQuery = z.infer<typeof QuarterlyQuery>;

export const Quarter = z.object({
  /** `2025-Q3`. */
  key: z.string(),
  /** First instant (Moscow midnight of the first day), ms. */
  from: z.number(),
  /** First instant of the next quarter, ms. */
  to: z.number(),
  /** The quarter is not over yet: its sums (incidents, downtime, searches) are to date. */
  partial: z.boolean(),
  /** Days of the quarter elapsed (all of them once it is over). */
  elapsedDays: z.number(),
  days: z.number(),
});
export type Quarter = z.infer<typeof Quarter>;

/**
 * A figure of a quarter and its change against the quarter before: `delta` is null when the quarter
 * before has no data (none of the clients reported then), `pct` also when the value before was 0.
 */
export const Change = z.object({
  value: z.number(),
  prev: z.number().nullable(),
  delta: z.number().nullable(),
  pct: z.number().nullable(),
});
export type Change = z.infer<typeof Change>;

/** One row of the table: a manager's (or all clients') portfolio in one quarter. */
export const PortfolioQuarter = z.object({
  quarter: z.string(),
  /** Clients in the portfolio (every class, «нет данных» included). */
  clients: z.number(),
  /** Clients whose objects reported in the quarter (the other classes than noData). */
  withData: z.number(),
  classes: z.object({
    noData: Change,
    unused: Change,
    low: Change,
    normal: Change,
    exhausting: Change,
  }),
  /** Searches that found nothing: installations' search logs and online accesses' logs. */
  emptySearches: Change,
  /** Alert instances of priority K1 or K2 about the clients' objects that fired in the quarter. */
  incidents: Change,
  /** Hours the clients' objects were unavailable (ПК interface, online login), summed. */
  downtimeHours: Change,
});
export type PortfolioQuarter = z.infer<typeof PortfolioQuarter>;

export const ManagerPortfolio = z.object({
  /** null: the clients without a manager. */
  managerId: z.number().nullable(),
  manager: z.string(),
  unitId: z.number().nullable(),
  quarters: z.array(PortfolioQuarter),
});
export type ManagerPortfolio = z.infer<typeof ManagerPortfolio>;

/** A client in the selected quarter (the drill-down list). */
export const QuarterClient = z.object({
  clientId: z.number(),
  client: z.string(),
  managers: z.array(z.string()),
  class: z.enum(USAGE_CLASSES),
  /** The class in the quarter before (noData when it did not report then). */
  prevClass: z.enum(USAGE_CLASSES),
  installations: z.number(),
  onlineAccesses: z.number(),
  /** Activity points per month, summed over the installations (null: none reported). */
  activityPerMonth: z.number().nullable(),
  /** Involvement % of the client's most involved installation (null: none with seats reported). */
  involvementPct: z.number().nullable(),
  /** Mean monthly % of the document limit used, the client's highest access (null: no reading). */
  docsUsedPct: z.number().nullable(),
  /** Days on which every licence of an installation was occupied. */
  daysAtLicenceLimit: z.number(),
  /** Logons refused for lack of free licences. */
  refusedLogons: z.number(),
  /** Months in which an online access's document limit ran out. */
  docsExhaustedMonths: z.number(),
  emptySearches: z.number(),
  incidents: z.number(),
  downtimeHours: z.number(),
});
export type QuarterClient = z.infer<typeof QuarterClient>;

export const QuarterlyOut = z.object({
  /** The quarters shown, oldest first. */
  quarters: z.array(Quarter),
  /** Every client in scope, per quarter (distinct: a client with two managers counts once). */
  total: z.array(PortfolioQuarter),
  /** Per manager (a client with two managers is in both), by name; «без менеджера» last. */
  managers: z.array(ManagerPortfolio),
  /** The quarter the client list is of. */
  quarter: z.string(),
  /** The clients in that quarter, lowest class first, then by name. */
  clients: z.array(QuarterClient),
  norms: z.object({
    activityPerMonth: z.number(),
    involvementPct: z.number(),
    docsUsedPct: z.number(),
  }),
});
export type QuarterlyOut = z.infer<typeof QuarterlyOut>;
