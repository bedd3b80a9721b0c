/** Public types of the online-access client (docs/online.md). */

/** Where one online access lives: `<baseUrl>/<folder>` with the client's own credentials. */
export interface OnlineTarget {
  /** Scheme and host, optionally a port: `https://host` or `http://127.0.0.1:8080`. No folder. */
  baseUrl: string;
  /** The catalog under the host, without slashes (`kodeks01`). */
  folder: string;
  login: string;
  password: string;
}

/** The four billing limits: Документы, Поиск, Печать, Выгрузка. */
export const ONLINE_KINDS = ['docs', 'search', 'print', 'export'] as const;
export type OnlineKind = (typeof ONLINE_KINDS)[number];

export interface LimitReading {
  limit: number;
  used: number;
  remaining: number;
}

export interface OnlineProfile {
  /** Billing month as the page shows it, `YYYY-MM`. */
  month: string;
  docs: LimitReading;
  search: LimitReading;
  print: LimitReading;
  export: LimitReading;
}

/** The error texts of spec §2.5 ("Варианты ошибок"), verbatim. */
export const ONLINE_ERRORS = [
  'LoginPasswordError',
  'ConnectionTimeout',
  'ReadTimeOut',
  'OtherErrorCode400+',
  'HTTPError',
  'RequestException',
  'ConnectionError',
] as const;
export type OnlineErrorKind = (typeof ONLINE_ERRORS)[number];

export interface OnlineFailure {
  ok: false;
  error: OnlineErrorKind;
  /** HTTP status (number) or errno/timeout code (string). */
  code: number | string;
  message: string;
  latencyMs: number;
}

export type ProfileOutcome = { ok: true; profile: OnlineProfile; latencyMs: number } | OnlineFailure;

export interface SearchLogEntry {
  /** UTC ms. */
  time: number;
  user: string;
  query: string;
  type: string;
  status: 'success' | 'empty';
}

export type SearchLogOutcome = { ok: true; entries: SearchLogEntry[]; latencyMs: number } | OnlineFailure;

export interface ReadOptions {
  /**
   * No TCP connection, or no status line and headers, within this many ms after the request starts:
   * ConnectionTimeout. Default 10 000.
   */
  connectTimeoutMs?: number;
  /** The body stalls (no bytes) for this many ms after the headers or the last chunk: ReadTimeOut. Default 30 000. */
  readTimeoutMs?: number;
  /** Aborting ends the read with a RequestException, code `ABORTED`. */
  signal?: AbortSignal;
}
