/**
 * What the main page of a catalog shows under the active faults, shared by the HTML pages and the
 * metrics so the two never disagree. Texts are the abnormal-state names of the spec (§3.1.1); key,
 * licence and error notices are shown to signed-in users only, as on a real ПК (spec §2.4: without a
 * smartlogin session the key and warning checks cannot see them).
 */
import type { FaultState } from './faults.js';

export type PageCondition = 'ok' | 'maintenance' | 'server_not_started' | 'needs_service';

export interface Notice {
  kind: 'key_not_found' | 'licences_exhausted' | 'server_errors';
  text: string;
}

export interface PageState {
  condition: PageCondition;
  httpStatus: number;
  /** Shown to everyone. */
  message: string | null;
  /** Shown to signed-in users. */
  notices: Notice[];
  /** The value of kserver_main_page: 1 when the page is not assembled correctly. */
  broken: boolean;
}

export const PAGE_TEXT = {
  maintenance:
    'Режим обслуживания. Сервер находится в режиме технического обслуживания, повторите попытку позже.',
  server_not_started: 'Сервер не стартовал. Обратитесь к администратору системы.',
  needs_service:
    'Требуется обслуживание. Обратитесь в сервисную службу для проведения сервисного обслуживания.',
  key_not_found: 'Ключ не найден. Привязка: SenseLock ключ - Ошибка защиты 4111 Not connected.',
  licences_exhausted: 'Кончились лицензии: нет свободных рабочих мест для входа.',
  server_errors: 'Ошибки на сервере: обнаружены ошибки в работе баз данных или поиска.',
} as const;

export function pageState(faults: FaultState): PageState {
  const notices: Notice[] = [];
  if (faults.key_lost) notices.push({ kind: 'key_not_found', text: PAGE_TEXT.key_not_found });
  if (faults.licences_exhausted)
    notices.push({ kind: 'licences_exhausted', text: PAGE_TEXT.licences_exhausted });
  if (faults.db_error || faults.search_broken)
    notices.push({ kind: 'server_errors', text: PAGE_TEXT.server_errors });
  if (faults.maintenance) {
    return {
      condition: 'maintenance',
      httpStatus: 503,
      message: PAGE_TEXT.maintenance,
      notices: [],
      broken: true,
    };
  }
  if (faults.server_not_started) {
    return {
      condition: 'server_not_started',
      httpStatus: 500,
      message: PAGE_TEXT.server_not_started,
      notices: [],
      broken: true,
    };
  }
  if (faults.needs_service) {
    return {
      condition: 'needs_service',
      httpStatus: 200,
      message: PAGE_TEXT.needs_service,
      notices,
      broken: true,
    };
  }
  return { condition: 'ok', httpStatus: 200, message: null, notices, broken: Boolean(faults.key_lost) };
}
