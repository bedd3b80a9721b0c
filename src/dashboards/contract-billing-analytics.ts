/**
 * What «Биллинг Онлайн. Аналитика» (spec online-managers §4.2) takes and answers: the zod schemas shared
 * by the route (validation, serialisation) and the web app (types only). The variables are the common
 * ones: `clientId` (Клиент), `managerId` (Менеджер), `onlineAccessId` (Логин).
 */
import { z } from 'zod';
import { Aligned, RangeQuery } from './contract.js';

const DAY = 86_400_000;

/** «Last 6 months» as the existing service opens it (the web app's `now-6M`: 180 days). */
export const BILLING_ANALYTICS_DEFAULT_RANGE_MS = 180 * DAY;

/** The Стандарт сопровождения norm: a manager's clients should use at least 15% of their documents. */
export const DOCS_USED_NORM_PCT = 15;

/**
 * The bands of the client mode (one or more clients chosen), lower bounds inclusive: below 15 low
 * engagement (red), 15–75 good (green), 75–90 high, perhaps shared (amber), from 90 almost surely
 * shared (red).
 */
export const CLIENT_MODE_BANDS_PCT = [15, 75, 90] as const;

export const BillingAnalyticsQuery = RangeQuery;
export type BillingAnalyticsQuery = z.infer<typeof BillingAnalyticsQuery>;

export const MonthRow = z.object({
  /** `all` for every access in view, `m:<id>` for a manager. */
  key: z.string(),
  label: z.string(),
  /** Per month of `months`: the mean over the accesses of their last % of the month; null: no reading. */
  values: z.array(z.number().nullable()),
  /** Accesses averaged per month. */
  accesses: z.array(z.number()),
});
export type MonthRow = z.infer<typeof MonthRow>;

export const BillingAnalyticsOut = z.object({
  from: z.number(),
  to: z.number(),
  /**
   * `all` while the Клиент and Логин variables are empty (the 15% norm line), `clients` when one or
   * more clients (or logins) are chosen (the four engagement bands).
   */
  mode: z.enum(['all', 'clients']),
  /**
   * Средний процент использования лимита документов по всем клиентам менеджера: one series per
   * manager (`m:<id>`), at each point the mean over the manager's accesses of their % of the month's
   * document limit used so far (a sawtooth that resets on the 1st).
   */
  byManager: Aligned,
  /** … по всем клиентам: the same mean over every access in view, one series `all` «Процент». */
  all: Aligned,
  /**
   * Общее количество клиентов с онлайн-доступами на мониторинге: per bucket, series `clients`
   * («Всего клиентов», clients with at least one access read) and `accesses` (accesses read).
   */
  monitored: Aligned,
  /**
   * The month's figure («среднее значение за каждый месяц»): per calendar month (`YYYY-MM`) of the
   * range, the mean over the accesses of their last reading's % of that month: the top of each tooth.
   * The current month is month to date.
   */
  months: z.array(z.string()),
  monthRows: z.array(MonthRow),
});
export type BillingAnalyticsOut = z.infer<typeof BillingAnalyticsOut>;
