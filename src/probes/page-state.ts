/**
 * Reads the state of a ПК from its main page (spec §3.1.1). Real pages are not public, so both the
 * simulator's stable markers (`data-state`, `data-notice`, docs/simulator.md §4) and the Russian texts of
 * the states are recognised. Pure: status, headers and body in, classification out.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { ABNORMAL_STATES, type AbnormalState } from './types.js';

export type MainPageCondition =
  | 'ok'
  | 'maintenance'
  | 'needs_service'
  | 'server_not_started'
  /** Not 200 and none of the above: a front proxy's error, a bare 500, a 404 for a wrong catalog. */
  | 'server_not_working';

/** Notices a ПК shows to signed-in users only. */
export type MainPageNotice = 'key_not_found' | 'licences_exhausted' | 'server_errors';

export interface MainPageClassification {
  condition: MainPageCondition;
  notices: MainPageNotice[];
  /** 0 = not seen, otherwise the HTTP status the page came with. */
  states: Record<AbnormalState, number>;
  /** The anonymous login form: no session, or the session expired. */
  loginForm: boolean;
  /** A reverse proxy in front of the ПК answered for it (502/504, or 503 without the ПК's marker). */
  gatewayError: boolean;
}

const CONDITIONS = {
  maintenance: /data-state\s*=\s*["']?maintenance\b|Режим обслуживания/iu,
  server_not_started: /data-state\s*=\s*["']?server_not_started\b|Сервер не стартовал/iu,
  needs_service: /data-state\s*=\s*["']?needs_service\b|Требуется обслуживание/iu,
} as const;

const NOTICES: Record<MainPageNotice, RegExp> = {
  key_not_found: /data-notice\s*=\s*["']?key_not_found\b|Ключ не найден/iu,
  licences_exhausted: /data-notice\s*=\s*["']?licences_exhausted\b|Кончились лицензии/iu,
  server_errors: /data-notice\s*=\s*["']?server_errors\b|Ошибки на сервере/iu,
};

const LOGIN_FORM = /<form[^>]*\bid\s*=\s*["']?login\b/i;

/** Every state at 0. */
export function noStates(): Record<AbnormalState, number> {
  return Object.fromEntries(ABNORMAL_STATES.map((s) => [s, 0])) as Record<AbnormalState, number>;
}

/** The ПК's own web server says `WWW-Kodeks/<version>`; anything else in front of it is a proxy. */
export function isKodeksServer(headers: IncomingHttpHeaders): boolean {
  return /^WWW-Kodeks/i.test(String(headers.server ?? ''));
}

export function showsLoginForm(body: string): boolean {
  return LOGIN_FORM.test(body);
}

export function classifyMainPage(
  status: number,
  headers: IncomingHttpHeaders,
  body: string,
): MainPageClassification {
  const states = noStates();
  // Maintenance first: a page in maintenance may still mention other states in its text.
  let condition: MainPageCondition = 'ok';
  for (const c of ['maintenance', 'server_not_started', 'needs_service'] as const) {
    if (CONDITIONS[c].test(body)) {
      condition = c;
      break;
    }
  }
  const notices = (Object.keys(NOTICES) as MainPageNotice[]).filter((n) => NOTICES[n].test(body));
  const marked = condition !== 'ok';
  const gatewayError =
    !marked && (status === 502 || status === 504 || status === 503) && !isKodeksServer(headers);
  if (!marked && status !== 200) condition = 'server_not_working';

  if (condition !== 'ok') states[condition] = status;
  for (const n of notices) states[n] = status;
  return { condition, notices, states, loginForm: showsLoginForm(body), gatewayError };
}

/** Both pages of one probe (anonymous and signed in) in one states map: any sighting counts. */
export function mergeStates(
  a: Record<AbnormalState, number>,
  b: Record<AbnormalState, number>,
): Record<AbnormalState, number> {
  const out = noStates();
  for (const s of ABNORMAL_STATES) out[s] = a[s] || b[s];
  return out;
}
