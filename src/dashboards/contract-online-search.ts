/**
 * What «Поисковые запросы. Онлайн.» (spec online-managers §4.3) takes and answers: the zod schemas
 * shared by the route (validation, serialisation) and the web app (types only). The variables ЮрЛицо
 * and Менеджер are the common `clientId` and `managerId`; the others are this dashboard's own.
 */
import { z } from 'zod';
import { Aligned, RangeQuery } from './contract.js';

const DAY = 86_400_000;

/**
 * A week: the log arrives once a night, so a week is the last five working days' searches; longer
 * ranges (the spec's six-month upsell look at empty searches) are a click away.
 */
export const ONLINE_SEARCH_DEFAULT_RANGE_MS = 7 * DAY;
export const ONLINE_SEARCH_PAGE_DEFAULT = 100;
export const ONLINE_SEARCH_PAGE_MAX = 1000;

/** Статус поиска: `success` (Успех: found something), `empty` (Пустой: found nothing). */
export const ONLINE_SEARCH_STATUSES = ['success', 'empty'] as const;

/**
 * ТипПоиска as the DC's search log names it (the simulated DC's texts); the selector offers these and
 * whatever other type the rows show.
 */
export const ONLINE_SEARCH_TYPES = ['Интеллектуальный', 'Атрибутный', 'По реквизитам'] as const;

/** `a,b` or the parameter repeated; trimmed, empty entries dropped. */
const StrList = z
  .union([z.string().max(2000), z.array(z.string().max(200)).max(200)])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((x) => x.trim()).filter(Boolean));

export const OnlineSearchQuery = RangeQuery.extend({
  /** Rows per page (newest first). */
  limit: z.coerce.number().int().min(1).max(ONLINE_SEARCH_PAGE_MAX).optional(),
  /** `nextCursor` of the previous page. */
  cursor: z
    .string()
    .max(200)
    .regex(/^[A-Za-z0-9_-]+$/, 'must be a nextCursor of a previous answer')
    .optional(),
  /** Статус поиска: `success` (Успех), `empty` (Пустой). */
  status: StrList.pipe(z.array(z.enum(ONLINE_SEARCH_STATUSES))).optional(),
  /** ТипПоиска: the log's type texts, exact. */
  type: StrList.optional(),
  /** Пользователь: the log's user names, exact. */
  user: StrList.optional(),
  /** Каталог: the accesses' catalogs (`kodeks01`). */
  catalog: StrList.optional(),
  /** Источник запросов: the DC servers the accesses live on (`nps2.cntd.ru`). */
  server: StrList.optional(),
  /** Text the query contains (a plain substring, case-sensitive on both engines). */
  text: z.string().trim().min(1).max(200).optional(),
});
export type OnlineSearchQuery = z.infer<typeof OnlineSearchQuery>;

export const OnlineSearchRow = z.object({
  /** The log entry's id: with `at`, the order of the log. */
  id: z.number(),
  /** Время: when the search was made (ms). */
  at: z.number(),
  onlineAccessId: z.number(),
  clientId: z.number(),
  /** Клиент: the client's short name (ЮрЛицо of the onboarding file). */
  client: z.string(),
  login: z.string(),
  /** Источник запросов: the DC server of the access. */
  host: z.string(),
  /** Каталог of the access. */
  catalog: z.string(),
  /** Пользователь as the DC's log names them. */
  user: z.string(),
  query: z.string(),
  /** Тип поиска. */
  type: z.string(),
  /** `success` (успех) or `empty` (пустой). */
  status: z.string(),
  /** Менеджер: the access's managers. */
  managers: z.array(z.string()),
});
export type OnlineSearchRow = z.infer<typeof OnlineSearchRow>;

export const OnlineSearchOut = z.object({
  from: z.number(),
  to: z.number(),
  /** The page, newest first (ties: the later-stored entry first). */
  rows: z.array(OnlineSearchRow),
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: z.string().nullable(),
  /**
   * Per day (an access's local day D on the Moscow axis day D; weekly from about 200 days on): series
   * `searches` (Все поиски) and `empty` (Пустой поиск) among the searches the filters select, whatever
   * their status. Whole days: the first and last day of the range count in full. Only on the first
   * page: null when `cursor` is given (the chart does not change from page to page, and counting it
   * reads every entry of the range).
   */
  perDay: Aligned.nullable(),
  /** What the selectors offer within the caller's scope and the ЮрЛицо/Менеджер variables. */
  options: z.object({
    users: z.array(z.string()),
    catalogs: z.array(z.string()),
    servers: z.array(z.string()),
    types: z.array(z.string()),
  }),
});
export type OnlineSearchOut = z.infer<typeof OnlineSearchOut>;
