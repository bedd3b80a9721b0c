/** How far back the facts keep daily DB requests (the longest `windowDays` of KodeksUnsupportedButUsed). */
export const REQUESTS_LOOKBACK_DAYS = 31;

/**
 * What the alert rules see and what they say. Rules are pure functions of one subject's facts and the
 * time, so each is tested without a database; the engine loads facts in batches (facts.ts) and turns
 * conditions into alert instances (engine.ts).
 */

export type CheckOutcome = 'ok' | 'failed' | 'suppressed' | 'unknown';

export interface CheckFact {
  /** A check name (icmp, tcp, http200, auth, warning, key, limit, proxy, licman_icmp, licman_tcp) or `state:<abnormal state>`. */
  check: string;
  outcome: CheckOutcome;
  code: string | null;
  detail: string | null;
  /** When the outcome last changed (for a state: when it began). */
  since: number;
}

export interface ChannelFact {
  channel: 'sysinfo' | 'status';
  lastReceivedAt: number | null;
  /** The newest report that was processed (usable data). */
  lastDataAt: number | null;
  lastErrorAt: number | null;
  lastErrorReason: string | null;
  consecutiveFailures: number;
}

export interface InstallationFacts {
  kind: 'installation';
  id: number;
  dealerId: number;
  dealerCode: string;
  clientId: number;
  clientName: string;
  unitId: number | null;
  /** The address for polled installations, else the source key (the agent's client name). */
  host: string;
  collection: 'polled' | 'agent' | 'closed';
  /** Collection interval of sysinfo, seconds. */
  collectIntervalS: number;
  utcOffsetMin: number;
  createdAt: number;
  probeEnabled: boolean;
  /** From the newest sysinfo; null before the first report. */
  state: {
    reportAt: number | null;
    legalName: string | null;
    regnum: string | null;
    seats: number | null;
    licencesInUse: number | null;
    senselockStatus: string | null;
    senselockCode: number | null;
    senselockMessage: string | null;
  } | null;
  licences: { product: string | null; name: string | null; db: string | null; expiresAt: number | null }[];
  volumes: { name: string; path: string | null; catalog: string | null }[];
  volumeErrors: {
    volume: string | null;
    path: string | null;
    catalog: string | null;
    code: number | null;
    text: string;
  }[];
  operups: { path: string; modifiedAt: number | null }[];
  channels: ChannelFact[];
  /** Current probe outcomes and abnormal states (check_status). */
  checks: CheckFact[];
  /** Latest smartstatus / sysmon values (null when never reported). */
  statusMetrics: {
    at: number | null;
    senselockKeyOk: number | null;
    sppUp: number | null;
    maintenance: number | null;
    needsService: number | null;
  };
  /** Month-to-date usage in the installation's zone (spec glossary: activity, involvement). */
  usage: {
    /** YYYY-MM of the month counted. */
    month: string;
    /** Intelligent searches + opened documents this month. */
    activityPoints: number;
    usersWithRequests: number;
    /**
     * DB requests per local day (`YYYY-MM-DD`) over the last REQUESTS_LOOKBACK_DAYS days, for
     * KodeksUnsupportedButUsed: the rule sums the days of its own `windowDays`.
     */
    requestsByDay: { day: string; requests: number }[];
  };
  /** Users registered recently (window of KodeksNewUser). */
  newUsers: { login: string; domain: string; registeredAt: number }[];
  /** Recent searches with status empty or error (newest first, bounded). */
  searches: {
    at: number;
    login: string;
    query: string;
    catalog: string | null;
    type: string;
    status: 'empty' | 'error';
  }[];
  /** Refused logons in the recent window. */
  refusedLogons: { login: string; at: number }[];
}

export interface OnlineLimitFact {
  limit: number | null;
  remaining: number | null;
}

export interface OnlineFacts {
  kind: 'online';
  id: number;
  dealerId: number;
  dealerCode: string;
  clientId: number;
  clientName: string;
  unitId: number | null;
  login: string;
  host: string;
  folder: string;
  /** protocol://host (without the catalogue), as the emergencies table shows it. */
  url: string;
  utcOffsetMin: number;
  createdAt: number;
  state: {
    checkedAt: number;
    ok: boolean;
    readAt: number | null;
    /** YYYY-MM the remainders belong to. */
    month: string | null;
    docs: OnlineLimitFact;
    search: OnlineLimitFact;
    print: OnlineLimitFact;
    export: OnlineLimitFact;
    error: string | null;
    errorCode: string | null;
    errorMessage: string | null;
    errorSince: number | null;
  } | null;
  /** The last time units were spent or a search was logged; null if never seen. */
  lastUsedAt: number | null;
  /** Recent empty searches from the nightly search log. */
  emptySearches: { at: number; user: string; query: string; type: string }[];
}

export type SubjectFacts = InstallationFacts | OnlineFacts;

/** One active condition: the rule says this alert holds for this subject now. */
export interface Condition {
  /** The catalogue name (never an alias). */
  name: string;
  /** Distinguishes several instances of one alert on one subject (a query, a user, a limit kind). */
  key?: string;
  /** Extra labels (db, file, query, user, kind, code…); the engine adds dealer, client and subject labels. */
  labels?: Record<string, string>;
  /** The per-object human text (Russian), e.g. the query or the file. */
  text: string;
  value?: number;
  /** The absolute path of the file that caused it (operups). */
  filename?: string;
  /** When the condition really began, if known (a maintenance state's start). */
  since?: number;
}

/** Effective parameters of one alert for one dealer (catalogue defaults merged with alert settings). */
export type ParamsOf = (name: string) => Record<string, number>;

export type InstallationRule = (f: InstallationFacts, now: number, params: ParamsOf) => Condition[];
export type OnlineRule = (f: OnlineFacts, now: number, params: ParamsOf) => Condition[];
