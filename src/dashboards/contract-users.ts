/**
 * Request and answer shapes of «Подключённые пользователи» and «Карточки пользователей» (spec
 * installations §3.7, §3.4). The same zod schemas validate the query and serialize the answer.
 */
import { z } from 'zod';
import { RangeQuery, VariablesQuery } from './contract.js';

const DAY = 86_400_000;

/** A list of strings in a query string: `a,b` (or the parameter repeated). Empty means all. */
const StrList = z
  .union([z.string().max(2000), z.array(z.string().max(200)).max(200)])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((x) => x.trim()).filter(Boolean));

const Flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** Rows of a page at most, and the default page. */
export const USERS_MAX_PAGE = 1000;
export const USERS_DEFAULT_PAGE = 100;
/** «Топ20 самых активных пользователей»: 20 rows unless `top` says otherwise. */
export const TOP_USERS_DEFAULT = 20;
export const TOP_USERS_MAX = 200;
/** «Карточки пользователей» opens on the last 24 hours (spec appendix A). */
export const USER_CARDS_DEFAULT_RANGE_MS = DAY;

const Paging = {
  limit: z.coerce.number().int().min(1).max(USERS_MAX_PAGE).optional(),
  offset: z.coerce.number().int().min(0).optional(),
};

/** Who an installation row is: what the other dashboards' legends call it. */
const Subject = {
  installationId: z.number(),
  clientId: z.number(),
  client: z.string(),
  host: z.string(),
};

// ---------------------------------------------------------------- Подключённые пользователи

export const ConnectedUsersQuery = VariablesQuery.extend({
  /** AD domains (the «Домен» variable). */
  domain: StrList.optional(),
  /** Only the logins connected from more than one computer or browser. */
  multipleOnly: Flag.optional(),
  ...Paging,
});
export type ConnectedUsersQuery = z.infer<typeof ConnectedUsersQuery>;

export const ConnectedUserRow = z.object({
  ...Subject,
  /** When the installation's newest sysinfo (the one listing these sessions) was produced. */
  reportAt: z.number().nullable(),
  login: z.string(),
  /** «Время на сервере»: the logon time the ПК registered for the session. */
  logonAt: z.number().nullable(),
  ip: z.string().nullable(),
  browser: z.string().nullable(),
  domain: z.string(),
  /** Licence-holding sessions of this login on the installation (this one included). */
  loginSessions: z.number(),
  /** Distinct (IP, browser) pairs among them. */
  loginPlaces: z.number(),
  /** The login holds licences from more than one computer or browser (loginPlaces > 1). */
  multiple: z.boolean(),
});
export type ConnectedUserRow = z.infer<typeof ConnectedUserRow>;

export const ConnectedUsersOut = z.object({
  /** Sorted by login, then installation (id), then logon time. */
  rows: z.array(ConnectedUserRow),
  /** Rows matching (before paging). */
  total: z.number(),
  offset: z.number(),
  limit: z.number(),
  /** Installations with at least one matching session. */
  installations: z.number(),
  /** (installation, login) pairs flagged `multiple`, among the matching ones. */
  multipleLogins: z.number(),
});
export type ConnectedUsersOut = z.infer<typeof ConnectedUsersOut>;

// ---------------------------------------------------------------- Карточки пользователей

export const UserCardsQuery = RangeQuery.omit({ limit: true }).extend({
  domain: StrList.optional(),
  /** Only cards with an empty field. */
  incompleteOnly: Flag.optional(),
  ...Paging,
  /** Rows of the top of the most active users (default 20). */
  top: z.coerce.number().int().min(1).max(TOP_USERS_MAX).optional(),
});
export type UserCardsQuery = z.infer<typeof UserCardsQuery>;

/** The card fields, in the table's order; a card is complete when all five are filled. */
export const CARD_FIELDS = ['fullname', 'phone', 'email', 'position', 'department'] as const;

export const UserCardRow = z.object({
  ...Subject,
  /** The installation's managers (its own, else its client's), by name. */
  managers: z.array(z.string()),
  /** `name` of the spec's table: the login. */
  login: z.string(),
  domain: z.string(),
  fullname: z.string().nullable(),
  phone: z.string().nullable(),
  email: z.string().nullable(),
  position: z.string().nullable(),
  department: z.string().nullable(),
  blocked: z.boolean(),
  lastActivityAt: z.number().nullable(),
  /** Filled card fields of the five. */
  filled: z.number(),
  /** filled / 5 × 100, a whole number. */
  completeness: z.number(),
});
export type UserCardRow = z.infer<typeof UserCardRow>;

export const TopUserRow = z.object({
  ...Subject,
  dealerId: z.number(),
  dealer: z.string(),
  managers: z.array(z.string()),
  login: z.string(),
  domain: z.string(),
  /** Intelligent searches + counted documents over the installation's local days of the range. */
  activity: z.number(),
  searches: z.number(),
  documents: z.number(),
});
export type TopUserRow = z.infer<typeof TopUserRow>;

export const UserCardsOut = z.object({
  from: z.number(),
  to: z.number(),
  /** «Карточки пользователей»: sorted by login, then installation (id). */
  cards: z.object({
    rows: z.array(UserCardRow),
    total: z.number(),
    offset: z.number(),
    limit: z.number(),
  }),
  /**
   * Completeness over the users who have ever logged in and are not blocked (spec 066, «Процент
   * заполненных карточек заходивших в систему пользователей»), under the same variables and domains
   * (not `incompleteOnly`). Percentages have one decimal; null when there is no such user.
   */
  completeness: z.object({
    users: z.number(),
    completeCards: z.number(),
    /** Complete cards / users × 100. */
    completePct: z.number().nullable(),
    /** Filled fields / (users × 5) × 100. */
    fieldsPct: z.number().nullable(),
  }),
  /** «Топ20 самых активных пользователей»: the most active first, ties by login, then installation (id); activity > 0 only. */
  top: z.array(TopUserRow),
});
export type UserCardsOut = z.infer<typeof UserCardsOut>;
