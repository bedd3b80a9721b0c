/**
 * What «Поисковые запросы» and «Статистика в разрезе MS ActiveDirectory» (spec installations §3.8,
 * §3.9) take and answer: the zod schemas shared by the routes (validation, serialisation) and the web
 * app (types only). Kept apart from contract.ts; the range and variables are the same `RangeQuery`.
 */
import { z } from 'zod';
import { Aligned, RangeQuery } from './contract.js';

const DAY = 86_400_000;

export const SEARCH_DEFAULT_RANGE_MS = 30 * DAY;
/** The AD screenshots span two months, so both month-to-date resets show. */
export const AD_STATS_DEFAULT_RANGE_MS = 60 * DAY;
export const SEARCH_PAGE_DEFAULT = 100;
export const SEARCH_PAGE_MAX = 1000;

/** `a,b` or the parameter repeated; trimmed, empty entries dropped. */
const StrList = z
  .union([z.string().max(2000), z.array(z.string().max(200)).max(200)])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((x) => x.trim()).filter(Boolean));

export const SEARCH_STATUSES = ['success', 'empty', 'error', 'unknown'] as const;
export const SEARCH_TYPES = ['intelligent', 'attribute', 'other'] as const;

const EnumList = <T extends readonly [string, ...string[]]>(values: T) =>
  StrList.pipe(z.array(z.enum(values)));

export const SearchQueriesQuery = RangeQuery.extend({
  /** Rows per page (newest first). */
  limit: z.coerce.number().int().min(1).max(SEARCH_PAGE_MAX).optional(),
  /** `nextCursor` of the previous page. */
  cursor: z
    .string()
    .max(4000)
    .regex(/^[A-Za-z0-9_-]+$/, 'must be a nextCursor of a previous answer')
    .optional(),
  /** Статус поиска: `success` (Успех), `empty` (Пустой), `error`, `unknown`. */
  status: EnumList(SEARCH_STATUSES).optional(),
  /** ТипПоиска: `intelligent` (Интеллектуальный), `attribute`, `other`. */
  type: EnumList(SEARCH_TYPES).optional(),
  /** Источник запросов: `ksrv`, `kassist`. */
  source: StrList.optional(),
  /** Каталог, e.g. `/docs`. */
  catalog: StrList.optional(),
  /** Пользователь: logins (exact). */
  user: StrList.optional(),
  /** Text the query contains (a plain substring, case-sensitive on both engines). */
  text: z.string().trim().min(1).max(200).optional(),
});
export type SearchQueriesQuery = z.infer<typeof SearchQueriesQuery>;

export const SearchRow = z.object({
  /** When the search was made (ms). */
  at: z.number(),
  installationId: z.number(),
  clientId: z.number(),
  /** Клиент: the client's name in SMART. */
  client: z.string(),
  /** ЮрЛицо: the legal name in the installation's newest sysinfo. */
  clientname: z.string().nullable(),
  host: z.string(),
  managers: z.array(z.string()),
  login: z.string(),
  /** The user's AD domain as the installation last reported it (null: user not in the user list). */
  domain: z.string().nullable(),
  query: z.string(),
  catalog: z.string().nullable(),
  type: z.string(),
  /** ПК\КА: `ksrv` or `kassist`. */
  source: z.string(),
  status: z.string(),
  durationMs: z.number().nullable(),
});
export type SearchRow = z.infer<typeof SearchRow>;

export const SearchQueriesOut = z.object({
  from: z.number(),
  to: z.number(),
  /** The page, newest first (ties: installation, login, query, descending). */
  rows: z.array(SearchRow),
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: z.string().nullable(),
  /**
   * Per day (Moscow axis; an installation's local day D on axis day D) over the visible installations:
   * series `searches` (all) and `empty` (Пустой). From the daily rollup: only the variables narrow it,
   * not the row filters.
   */
  perDay: Aligned,
});
export type SearchQueriesOut = z.infer<typeof SearchQueriesOut>;

// ---------------------------------------------------------------- AD statistics

export const AdStatsQuery = RangeQuery.extend({ domain: StrList.optional() });
export type AdStatsQuery = z.infer<typeof AdStatsQuery>;

export const AD_STATS_PANELS = [
  'docsLicensed', // Запрошенных документов покрытых лицензией (month to date)
  'docsFree', // Запрошенных бесплатных документов (month to date)
  'printed', // Распечатанных документов (month to date)
  'saved', // Сохранённых документов (month to date)
  'activity', // Активность пользователей в текущем месяце по доменам: counted documents + searches
  'dbRequests', // Запросы к БД (promised by the text, month to date)
] as const;
export type AdStatsPanel = (typeof AD_STATS_PANELS)[number];

export const AdStatsOut = z.object({
  from: z.number(),
  to: z.number(),
  /** One series per domain (`key` `d:<domain>`, label the domain), summed over the visible installations. */
  panels: z.record(z.enum(AD_STATS_PANELS), Aligned),
  /** Each domain's share of the licences in use now (newest sysinfo's sessions holding a licence). */
  licences: z.array(z.object({ domain: z.string(), inUse: z.number() })),
});
export type AdStatsOut = z.infer<typeof AdStatsOut>;
