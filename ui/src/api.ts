/**
 * Talking to the SMART API from the browser. Three helpers cover every call:
 *
 * - `apiGet<T>(path, params)`: a GET with a query string built from `params` (arrays become repeated
 *   parameters, `undefined`/`null`/empty arrays are left out);
 * - `apiSend<T>(method, path, body)`: POST/PUT/PATCH/DELETE with a JSON body;
 * - `apiUpload<T>(path, form, options)`: a multipart/form-data upload (files).
 *
 * All send the session cookie, parse the JSON answer and throw an `ApiError` carrying the HTTP status,
 * the server's error code and its message (`{"error": "...", "message": "..."}`, see docs/api.md).
 * A 401 also tells the listeners registered with `onUnauthorized` (the app then shows the login page).
 *
 * The response types come from the server's contract (`import type` only: no server code is bundled).
 */
import type {
  AvailabilityOnlineOut,
  AvailabilityOut,
  BillingStatsOut,
  ClientOverviewOut,
  EmergenciesOut,
  KodeksAnalyticsOut,
  ServerMetricsOut,
  VariablesOut,
} from '../../src/dashboards/contract';

export type {
  Aligned,
  AlignedSeries,
  AvailabilityOnlineOut,
  AvailabilityOut,
  BillingRow,
  BillingStatsOut,
  ClientOverviewOut,
  EmergenciesOut,
  EmergencyRow,
  KodeksAnalyticsOut,
  KodeksAnalyticsPanel,
  ProblemRow,
  ServerMetricsOut,
  VariablesOut,
} from '../../src/dashboards/contract';

export type ParamValue = string | number | boolean | null | undefined | readonly (string | number)[];
export type Params = Record<string, ParamValue>;

/** An error answer of the API (or a network failure, with status 0). */
export class ApiError extends Error {
  constructor(
    /** HTTP status; 0 when the server could not be reached. */
    readonly status: number,
    /** The server's error code (`not_found`, `invalid`, ...), or `network`/`http`. */
    readonly code: string,
    message: string,
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const unauthorizedListeners = new Set<() => void>();

/** Called whenever the API answers 401 (the session ended); returns an unsubscribe function. */
export function onUnauthorized(fn: () => void): () => void {
  unauthorizedListeners.add(fn);
  return () => unauthorizedListeners.delete(fn);
}

/** `path?a=1&b=2&b=3` from params; skips empty values. */
export function withQuery(path: string, params: Params = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) for (const x of v as readonly (string | number)[]) q.append(k, String(x));
    else q.append(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

async function call<T>(
  method: string,
  url: string,
  body?: unknown,
  signal?: AbortSignal,
  okStatuses: readonly number[] = [],
): Promise<T> {
  // A form goes as is: the browser writes the multipart Content-Type with its boundary.
  const form = body instanceof FormData;
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      credentials: 'same-origin',
      headers:
        body === undefined || form ? { accept: 'application/json' } : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : form ? body : JSON.stringify(body),
      signal,
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'network', `the server does not answer (${(e as Error).message})`);
  }
  const text = await res.text();
  let json: unknown = undefined;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  if (!res.ok && !okStatuses.includes(res.status)) {
    const err = (json ?? {}) as { error?: string; message?: string; details?: string[] };
    if (res.status === 401) for (const fn of unauthorizedListeners) fn();
    throw new ApiError(
      res.status,
      err.error ?? 'http',
      err.message ?? `${method} ${url.split('?')[0]}: HTTP ${res.status}`,
      err.details ?? [],
    );
  }
  return json as T;
}

/** GET `path` with `params` as the query string. */
export function apiGet<T>(path: string, params?: Params, signal?: AbortSignal): Promise<T> {
  return call<T>('GET', withQuery(path, params), undefined, signal);
}

/** POST/PUT/PATCH/DELETE `path` with a JSON body (none when `body` is undefined). */
export function apiSend<T>(
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<T> {
  return call<T>(method, path, body);
}

export interface UploadOptions {
  /** The query string, as for `apiGet`. */
  params?: Params;
  method?: 'POST' | 'PUT';
  signal?: AbortSignal;
  /**
   * Error statuses whose JSON body is the answer rather than an error: an import answers 422 with the
   * same result as 200, listing the file's errors.
   */
  okStatuses?: readonly number[];
}

/** Uploads `form` (files and fields) as multipart/form-data; errors and 401 as for `apiSend`. */
export function apiUpload<T>(path: string, form: FormData, opts: UploadOptions = {}): Promise<T> {
  return call<T>(opts.method ?? 'POST', withQuery(path, opts.params), form, opts.signal, opts.okStatuses);
}

// ---------------------------------------------------------------- the dashboards' endpoints

export const ENDPOINTS = {
  variables: '/api/dashboards/variables',
  kodeksAnalytics: '/api/dashboards/kodeks-analytics',
  serverMetrics: '/api/dashboards/server-metrics',
  availability: '/api/dashboards/availability',
  availabilityOnline: '/api/dashboards/availability-online',
  billingStats: '/api/dashboards/billing-stats',
  emergencies: '/api/dashboards/emergencies',
  dbErrors: '/api/dashboards/db-errors',
  versions: '/api/dashboards/versions',
  sysinfoTime: '/api/dashboards/sysinfo-time',
  userCards: '/api/dashboards/user-cards',
  connectedUsers: '/api/dashboards/connected-users',
  searchQueries: '/api/dashboards/search-queries',
  adStats: '/api/dashboards/ad-stats',
  kassistAnalytics: '/api/dashboards/kassist-analytics',
  forManagers: '/api/dashboards/for-managers',
  searchTime: '/api/dashboards/search-time',
  billingAnalytics: '/api/dashboards/billing-analytics',
  onlineSearch: '/api/dashboards/online-search-queries',
  quarterly: '/api/dashboards/quarterly',
  asrp: '/api/dashboards/asrp',
  renewal: '/api/dashboards/renewal',
  renewalOnline: '/api/dashboards/renewal-online',
  clientOverview: (id: number | string) => `/api/clients/${id}/overview`,
} as const;

export interface DashboardResponses {
  variables: VariablesOut;
  kodeksAnalytics: KodeksAnalyticsOut;
  serverMetrics: ServerMetricsOut;
  availability: AvailabilityOut;
  availabilityOnline: AvailabilityOnlineOut;
  billingStats: BillingStatsOut;
  emergencies: EmergenciesOut;
  clientOverview: ClientOverviewOut;
}

// ---------------------------------------------------------------- other API shapes the app reads

export type Role = 'operator' | 'dealer-admin' | 'head' | 'manager' | 'viewer';

export interface Me {
  user: { id: number; login: string; displayName: string; role: Role; dealerId: number | null };
  role: Role;
  scope: {
    kind: 'all' | 'dealer' | 'unit' | 'manager';
    dealerId: number | null;
    unit: { id: number; name: string; path: string } | null;
    managerId: number | null;
  };
  dealer: { id: number; code: string; name: string } | null;
  via: 'session' | 'token';
}

export interface ClientOut {
  id: number;
  dealerId: number;
  unitId: number | null;
  shortName: string;
  legalName: string | null;
  managerIds: number[];
}

export interface SilenceOut {
  id: number;
  matchers: { alerts?: string[]; labels?: Record<string, string> };
  startsAt: number;
  endsAt: number;
  author: string;
  comment: string;
  state: 'active' | 'pending' | 'expired';
}
