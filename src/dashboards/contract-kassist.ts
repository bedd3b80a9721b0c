/**
 * What «kAssist. Аналитика» (spec installations §3.12) takes and answers: the zod schemas shared by the
 * route (validation, serialisation) and the web app (types only). The range and the variables (Клиент,
 * Менеджер; the unit and the installation narrow too) are the common `RangeQuery`.
 */
import { z } from 'zod';
import { Aligned, RangeQuery } from './contract.js';

const DAY = 86_400_000;

/** The screenshots span about three months; a month of daily bars reads best by default. */
export const KASSIST_DEFAULT_RANGE_MS = 30 * DAY;

/** The first day the ПК's sysinfo carries kAssist link statistics at all (spec §3.12). */
export const KASSIST_STATS_SINCE = '2024-05-01';

export const KassistQuery = RangeQuery;
export type KassistQuery = z.infer<typeof KassistQuery>;

export const KASSIST_PANELS = [
  'uniqueAdded', // Количество уникальных ссылок при добавлении за сутки
  'noMatch', // Количество ссылок по которым не было найдено совпадений за сутки
  'added', // Количество всех ссылок добавленных за сутки
  'activeVerified', // Количество проверенных активных ссылок за сутки
] as const;
export type KassistPanel = (typeof KASSIST_PANELS)[number];

/** The two interval tables: «… за интервал», the sum over the range per client. */
export const KASSIST_TABLES = ['uniqueAdded', 'activeVerified'] as const;
export type KassistTable = (typeof KASSIST_TABLES)[number];

export const KassistClientSum = z.object({
  clientId: z.number(),
  /** Клиент: the client's short name in SMART. */
  client: z.string(),
  /** Сумма: over the range and the client's visible installations. */
  sum: z.number(),
  /** Installations of the client that have kAssist statistics in the range. */
  installations: z.number(),
});
export type KassistClientSum = z.infer<typeof KassistClientSum>;

export const KassistOut = z.object({
  from: z.number(),
  to: z.number(),
  /**
   * Per panel one series per installation (legend: the host), a bar per day: the ПК's local day D on
   * the axis day D (Moscow midnight); null where the installation reported no statistics for the day.
   * The `limit` installations with the largest sum over the range are drawn; `total` says how many had
   * statistics in the range.
   */
  panels: z.record(z.enum(KASSIST_PANELS), Aligned),
  /** Per table the clients with statistics in the range, the largest sum first. */
  tables: z.record(z.enum(KASSIST_TABLES), z.array(KassistClientSum)),
  /** Where the data starts, so a range before it reads as "no data yet", not as "no use". */
  coverage: z.object({
    /** The earliest day with statistics of any visible installation (null: none ever). */
    firstDay: z.string().nullable(),
    /** The newest such day. */
    lastDay: z.string().nullable(),
    /** Visible installations with statistics in the range. */
    installations: z.number(),
    /** Visible installations without any in the range (no kAssist, or no report of it yet). */
    without: z.number(),
    /** Of those with statistics, how many start only within the range (their first day > range start). */
    startingInRange: z.number(),
  }),
});
export type KassistOut = z.infer<typeof KassistOut>;
