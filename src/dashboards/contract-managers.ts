/**
 * What «Для менеджеров» (spec online-managers §4.7) takes and answers: the zod schemas shared by the
 * route (validation, serialisation) and the web app (types only). One call answers every panel; the
 * `panels` parameter asks for some of them only (an absent panel is left out of the answer).
 */
import { z } from 'zod';
import { Aligned, AlignedSeries, RangeQuery } from './contract.js';

/** `a,b` or the parameter repeated; trimmed, empty entries dropped. */
const StrList = z
  .union([z.string().max(2000), z.array(z.string().max(200)).max(200)])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((x) => x.trim()).filter(Boolean));

/** The sixteen panels, in the spec's order. */
export const FOR_MANAGERS_PANELS = [
  'clients', // 1 Параметры клиентов
  'emptySearches', // 2 Детектирование, что ничего не нашлось
  'operupAge', // 3 Сколько часов назад обновились файлы в OperUp
  'activity', // 4 Активность пользователей в текущем месяце
  'involvement', // 5 Процент реальной вовлеченности в текущем месяце
  'maxLicences', // 6 Максимальное число занятых лицензий на инсталляции
  'billingDocs', // 7 billingDocs
  'dbQueries', // 8 Запросы к БД за час (stored per day)
  'prints', // 9 Print statistic
  'savedDocs', // 10 Сохранено документов за 1 час (stored per day)
  'refusedTable', // 11 Пользователи … не смогли подключиться … в течение 1 дня
  'refusedPerHour', // 12 Количество пользователей не смогли подключиться за 1 час
  'zeroQueries30', // 13 Ноль запросов к БД за 30 дней статистика
  'kassist30', // 14 Работа Kassist за последние 30 дней
  'zeroQueries60', // 15 Ноль запросов к БД за 60 дней
  'cardsFilled', // 16 Процент заполненных карточек заходивших в систему пользователей
] as const;
export type ForManagersPanel = (typeof FOR_MANAGERS_PANELS)[number];

/** Rows of the two event tables (empty searches, refused logons) unless `rows` says otherwise. */
export const FOR_MANAGERS_ROWS_DEFAULT = 200;
export const FOR_MANAGERS_ROWS_MAX = 1000;

export const ForManagersQuery = RangeQuery.extend({
  /** AD domains: narrow the per-user panels and the user tables (the «domain» variable). */
  domain: StrList.optional(),
  /** Logins (exact): narrow the per-user panels and the user tables («Логин пользователя»). */
  login: StrList.optional(),
  /** Only these panels (default: all). */
  panels: StrList.pipe(z.array(z.enum(FOR_MANAGERS_PANELS))).optional(),
  /** Rows of the empty-search and refused-logon tables, newest first. */
  rows: z.coerce.number().int().min(1).max(FOR_MANAGERS_ROWS_MAX).optional(),
});
export type ForManagersQuery = z.infer<typeof ForManagersQuery>;

/** A series of an installation, a user of it (`login`), or an OperUp file of it (`path`). */
export const ManagerSeries = AlignedSeries.extend({
  host: z.string().optional(),
  login: z.string().optional(),
  path: z.string().optional(),
  /** Ноль запросов за 30 дней: which of the installation's three series. */
  measure: z.enum(['pct', 'idle', 'users']).optional(),
});
export type ManagerSeries = z.infer<typeof ManagerSeries>;

export const ManagerAligned = Aligned.extend({ series: z.array(ManagerSeries) });
export type ManagerAligned = z.infer<typeof ManagerAligned>;

/** «Параметры клиентов»: one row per installation. */
export const ClientParamsRow = z.object({
  installationId: z.number(),
  clientId: z.number(),
  /** Клиент: the client's name in SMART. */
  client: z.string(),
  /** Адрес: the installation as the legends name it (address of a polled ПК, else its source key). */
  host: z.string(),
  /** Номер рега (newest sysinfo). */
  regnum: z.string().nullable(),
  /** Менеджер: the installation's managers, else its client's. */
  managers: z.array(z.string()),
  /** Окончание: the earliest licence expiry of the newest sysinfo (ms), and days from now to it. */
  licenceEndsAt: z.number().nullable(),
  licenceDaysLeft: z.number().nullable(),
  /** Вовлеч. %: users with DB requests in the range ÷ (seats ÷ 100); null without a report in the range. */
  involvementPct: z.number().nullable(),
  usersWithRequests: z.number().nullable(),
  /** Активность: user actions in the range (searches + documents + services + saved + printed). */
  activity: z.number().nullable(),
  /** Кол-во: seats in the reg file (newest report up to the end of the range). */
  seats: z.number().nullable(),
  /** The newest report of the installation (ms), null when none was ever stored. */
  reportAt: z.number().nullable(),
});
export type ClientParamsRow = z.infer<typeof ClientParamsRow>;

/** «Детектирование, что ничего не нашлось»: one empty search. */
export const EmptySearchRow = z.object({
  /** Time: when the search was made (ms). */
  at: z.number(),
  installationId: z.number(),
  clientId: z.number(),
  client: z.string(),
  /** host: the installation as the legends name it. */
  host: z.string(),
  /** manager */
  managers: z.array(z.string()),
  /** name: the user's login. */
  login: z.string(),
  query: z.string(),
  catalog: z.string().nullable(),
  /** searchtype: `intelligent` (shown `i`), `attribute`, `other`. */
  type: z.string(),
});
export type EmptySearchRow = z.infer<typeof EmptySearchRow>;

/** «Пользователи … не смогли подключиться из-за использования всех лицензий в течение 1 дня». */
export const RefusedDayRow = z.object({
  /** День: the installation's local day. */
  day: z.string(),
  installationId: z.number(),
  clientId: z.number(),
  client: z.string(),
  host: z.string(),
  login: z.string(),
  /** Количество за день. */
  count: z.number(),
});
export type RefusedDayRow = z.infer<typeof RefusedDayRow>;

export const ForManagersOut = z.object({
  from: z.number(),
  to: z.number(),
  clients: z.array(ClientParamsRow).optional(),
  /** Newest first (ties: installation, login, query, descending); `more`: older ones exist in the range. */
  emptySearches: z.object({ rows: z.array(EmptySearchRow), more: z.boolean() }).optional(),
  /** Hours since each OperUp file was modified: one series per installation and file. */
  operupAge: ManagerAligned.optional(),
  /** Month-to-date activity points per installation. */
  activity: ManagerAligned.optional(),
  /** Month-to-date involvement % per installation. */
  involvement: ManagerAligned.optional(),
  /** Licences in use, the maximum per bucket, per installation. */
  maxLicences: ManagerAligned.optional(),
  /** Per user: documents + services, month to date. */
  billingDocs: ManagerAligned.optional(),
  /** Per user: DB requests per day (per bucket on long ranges). */
  dbQueries: ManagerAligned.optional(),
  /** Per user: printed documents, month to date. */
  prints: ManagerAligned.optional(),
  /** Per user: saved documents per day (per bucket on long ranges). */
  savedDocs: ManagerAligned.optional(),
  refusedTable: z.object({ rows: z.array(RefusedDayRow), total: z.number() }).optional(),
  /** Accounts refused a logon (any reason) per bucket (an hour on ranges up to a month), per installation. */
  refusedPerHour: ManagerAligned.optional(),
  /** Three series per installation: % не пользуются, не пользуются, Всего пользователей. */
  zeroQueries30: ManagerAligned.optional(),
  /** Per user: kAssist requests of the 30 days through each day. */
  kassist30: ManagerAligned.optional(),
  /** Per account: 0 on the days it had made no DB request for 60 days, else a gap. */
  zeroQueries60: ManagerAligned.optional(),
  /** % of complete cards among the logged-in users, per installation. */
  cardsFilled: ManagerAligned.optional(),
});
export type ForManagersOut = z.infer<typeof ForManagersOut>;
