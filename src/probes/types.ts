/** Public types of the network probes of a Kodeks ПК installation (docs/probes.md). */

/** Check names as in the existing service's graphs ("Статусы on-line проверок", spec §2.4). */
export const CHECKS = [
  'icmp',
  'tcp',
  'http200',
  'auth',
  'Maintenance',
  'warning',
  'key',
  'limit',
  'proxy',
  'licman_icmp',
  'licman_tcp',
] as const;
export type CheckName = (typeof CHECKS)[number];

/**
 * suppressed: a dependency rule says it cannot be judged (maintenance);
 * unknown: could not be judged (no smartlogin session, host unreachable, ping not permitted).
 */
export type CheckOutcome = 'ok' | 'failed' | 'suppressed' | 'unknown';

export interface CheckResult {
  check: CheckName;
  outcome: CheckOutcome;
  latencyMs?: number;
  /** HTTP status or errno like 'ECONNREFUSED' */
  code?: number | string;
  detail?: string;
}

/** The abnormal states of the "Время нештатного состояния сервера" panel (spec §3.1.1). */
export const ABNORMAL_STATES = [
  'maintenance',
  'needs_service',
  'server_not_working',
  'key_not_found',
  'server_not_started',
  'server_errors',
  'licences_exhausted',
] as const;
export type AbnormalState = (typeof ABNORMAL_STATES)[number];

export const ABNORMAL_STATE_TITLES: Record<AbnormalState, string> = {
  maintenance: 'Режим обслуживания',
  needs_service: 'Требуется обслуживание',
  server_not_working: 'Сервер не работает',
  key_not_found: 'Ключ не найден',
  server_not_started: 'Сервер не стартовал',
  server_errors: 'Ошибки на сервере',
  licences_exhausted: 'Кончились лицензии',
};

export interface ProbeTarget {
  address: string;
  port: number;
  protocol: 'http' | 'https';
  /** e.g. '/docs'; when absent, GET / and follow one redirect to the catalog */
  catalogPath?: string;
  smartlogin: { user: string; password: string } | null;
  icmp: boolean;
  behindProxy: boolean;
  licman: { address: string; port: number | null } | null;
}

export interface ProbeResult {
  startedAt: number;
  durationMs: number;
  checks: CheckResult[];
  /** per abnormal state: 0 = not observed, otherwise the HTTP status seen with it; null when the page could not be read at all */
  states: Record<AbnormalState, number> | null;
  /** latency of the main-page GET, ms */
  httpLatencyMs: number | null;
}
