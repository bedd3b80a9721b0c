/**
 * What «Время выполнения поисковых запросов» (spec online-managers §4.10) takes and answers: the zod
 * schemas shared by the route (validation, serialisation) and the web app (types only). The range and
 * the variables are the common `RangeQuery` (`limit`: series of the points panel).
 */
import { z } from 'zod';
import { Aligned, RangeQuery } from './contract.js';

const HOUR = 3_600_000;

/** The panel's axis is the time of day: the last 24 hours by default. */
export const SEARCH_TIME_DEFAULT_RANGE_MS = 24 * HOUR;
/** «Время выполнения запроса более чем N секунд»: the spec's prescribed analysis uses 10 s. */
export const SEARCH_TIME_DEFAULT_THRESHOLD_S = 10;
export const SEARCH_TIME_MAX_THRESHOLD_S = 600;
export const SEARCH_TIME_PAGE_DEFAULT = 100;
export const SEARCH_TIME_PAGE_MAX = 500;
/** Users in «who makes the long queries». */
export const SEARCH_TIME_TOP_USERS = 10;
/** A query with this many words or more counts as a long text. */
export const LONG_TEXT_WORDS = 6;
/** A query with this many separator characters or more counts as "many separators". */
export const MANY_SEPARATORS = 4;

/** `a,b` or the parameter repeated; trimmed, empty entries dropped. */
const StrList = z
  .union([z.string().max(2000), z.array(z.string().max(200)).max(200)])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((x) => x.trim()).filter(Boolean));

export const SEARCH_TIME_STATUSES = ['success', 'empty'] as const;

/**
 * «Порог времени поиска»: whole seconds, `10s` or `10`, from 1 s to 10 min (the spec's variable is
 * "более чем N секунд"; its UI shows `1s`).
 */
export const Threshold = z
  .string()
  .trim()
  .regex(/^\d{1,3}s?$/, 'must be whole seconds, e.g. 10s')
  .transform((s) => Number(s.replace(/s$/, '')))
  .pipe(
    z
      .number()
      .int()
      .min(1, 'must be at least 1s')
      .max(SEARCH_TIME_MAX_THRESHOLD_S, `must be at most ${SEARCH_TIME_MAX_THRESHOLD_S}s`),
  );

export const SearchTimeQuery = RangeQuery.extend({
  threshold: Threshold.optional(),
  /** Статус поиска: `success` (успех), `empty` (пустой); absent = every search. */
  status: StrList.pipe(z.array(z.enum(SEARCH_TIME_STATUSES))).optional(),
  /** Каталог, e.g. `/docs`. */
  catalog: StrList.optional(),
  /** Rows of the «Запросы» table per page (the longest first). */
  pageSize: z.coerce.number().int().min(1).max(SEARCH_TIME_PAGE_MAX).optional(),
  /** `nextCursor` of the previous page. */
  cursor: z
    .string()
    .max(4000)
    .regex(/^[A-Za-z0-9_-]+$/, 'must be a nextCursor of a previous answer')
    .optional(),
});
export type SearchTimeQuery = z.infer<typeof SearchTimeQuery>;

export const SearchTimeRow = z.object({
  /** Time of the search (ms). */
  at: z.number(),
  /** Длительность, ms. */
  durationMs: z.number(),
  catalog: z.string().nullable(),
  installationId: z.number(),
  clientId: z.number(),
  /** The client's short name in SMART. */
  client: z.string(),
  /** Клиент as the spec's table shows it: the installation's address (or its agent name). */
  host: z.string(),
  login: z.string(),
  query: z.string(),
  status: z.string(),
});
export type SearchTimeRow = z.infer<typeof SearchTimeRow>;

export const SlowUser = z.object({
  installationId: z.number(),
  clientId: z.number(),
  client: z.string(),
  host: z.string(),
  login: z.string(),
  /** The user's queries over the threshold. */
  slow: z.number(),
  /** Their share of all queries over the threshold (0…1). */
  share: z.number(),
  maxMs: z.number(),
  avgMs: z.number(),
});
export type SlowUser = z.infer<typeof SlowUser>;

export const SearchTimeOut = z.object({
  from: z.number(),
  to: z.number(),
  thresholdS: z.number(),
  /**
   * The part of the range analysed: a read of the search log is bounded (see search-time.ts), so on a
   * long range over many installations only its newest part is; `complete` says whether it is all.
   */
  analysed: z.object({
    from: z.number(),
    to: z.number(),
    complete: z.boolean(),
  }),
  /** Queries of the analysed part (status and catalog filters applied), over the threshold or not. */
  counts: z.object({ all: z.number(), over: z.number(), under: z.number() }),
  /**
   * «Поисковые запросы длительностью более N»: one series per installation catalog (`<host><catalog>`),
   * a point per bucket = the longest query over the threshold in it, in seconds; the `limit` catalogs
   * with the longest query first. Over the analysed part only.
   */
  slow: Aligned,
  /** The users with the most queries over the threshold. */
  users: z.array(SlowUser),
  /** What the queries over the threshold look like, next to all queries of the analysed part. */
  traits: z.object({
    slow: z.object({
      queries: z.number(),
      avgLength: z.number().nullable(),
      avgWords: z.number().nullable(),
      avgSeparators: z.number().nullable(),
      /** With `LONG_TEXT_WORDS` words or more. */
      longText: z.number(),
      /** With `MANY_SEPARATORS` separators (. , : ; / \ - – — _) or more. */
      manySeparators: z.number(),
      /** With a long dash (— or –), where document numbers have a hyphen. */
      longDash: z.number(),
      /** Empty searches (nothing found). */
      empty: z.number(),
    }),
    all: z.object({
      queries: z.number(),
      avgLength: z.number().nullable(),
      avgWords: z.number().nullable(),
    }),
  }),
  /** «Запросы»: the page, the longest first (ties: newer, then installation, login, query). */
  rows: z.array(SearchTimeRow),
  nextCursor: z.string().nullable(),
  /** The catalogs of the visible installations, for the «Каталог» variable. */
  catalogs: z.array(z.string()),
});
export type SearchTimeOut = z.infer<typeof SearchTimeOut>;
