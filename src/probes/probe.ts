/**
 * One probe of one ПК installation: every online check of spec §2.4 and the abnormal states of §3.1.1,
 * with the dependency rules that keep one root cause from showing as many failures (docs/probes.md).
 * A probe never throws: every error becomes an outcome.
 */
import { performance } from 'node:perf_hooks';
import { ping } from './icmp.js';
import {
  httpRequest,
  type HttpAgents,
  type HttpRequestOptions,
  type HttpResponse,
  type HttpResult,
} from './http.js';
import {
  classifyMainPage,
  mergeStates,
  type MainPageClassification,
  type MainPageNotice,
} from './page-state.js';
import { SessionCache, sessionKey, signedInPage } from './session.js';
import { tcpConnect } from './tcp.js';
import {
  CHECKS,
  type AbnormalState,
  type CheckName,
  type CheckOutcome,
  type CheckResult,
  type ProbeResult,
  type ProbeTarget,
} from './types.js';

export interface ProbeOptions {
  /** Per network step (ping, connect, each HTTP request). Default 10 s. */
  timeoutMs?: number;
  /** startedAt comes from it; durations are measured on the monotonic clock. */
  clock?: () => number;
  /** Keep-alive agents; default: the shared ones of http.ts. */
  agents?: HttpAgents;
  /** Default: one cache shared by every probe of this process. */
  sessions?: SessionCache;
  pinger?: typeof ping;
  signal?: AbortSignal;
  /** Check TLS certificates; default false (see http.ts). */
  verifyTls?: boolean;
}

export const DEFAULT_PROBE_TIMEOUT_MS = 10_000;
const defaultSessions = new SessionCache();

/** Checks that need the ПК's main page; all but Maintenance need a smartlogin session as well. */
const AFTER_PAGE = ['Maintenance', 'auth', 'key', 'warning', 'limit'] as const;
const SIGNED_IN = ['auth', 'key', 'warning', 'limit'] as const;
const NOTICE_CHECKS = ['key', 'warning', 'limit'] as const;

interface Ctx {
  timeoutMs: number;
  signal: AbortSignal | undefined;
  sessions: SessionCache;
  pinger: typeof ping;
  http: Omit<HttpRequestOptions, 'method' | 'form' | 'headers'>;
  checks: Map<CheckName, CheckResult>;
}

type Extra = Omit<CheckResult, 'check' | 'outcome'>;

function put(ctx: Ctx, check: CheckName, outcome: CheckOutcome, extra: Extra = {}): void {
  const r: CheckResult = { check, outcome };
  // An aborted step says nothing about the installation.
  if (extra.code === 'ABORT_ERR' || (outcome === 'failed' && ctx.signal?.aborted)) {
    r.outcome = 'unknown';
    r.detail = 'aborted';
    ctx.checks.set(check, r);
    return;
  }
  if (extra.latencyMs !== undefined) r.latencyMs = extra.latencyMs;
  if (extra.code !== undefined) r.code = extra.code;
  if (extra.detail !== undefined) r.detail = extra.detail;
  ctx.checks.set(check, r);
}

function putAll(ctx: Ctx, checks: readonly CheckName[], outcome: CheckOutcome, detail: string): void {
  for (const c of checks) put(ctx, c, outcome, { detail });
}

function baseUrl(t: ProbeTarget): string {
  const host = t.address.includes(':') && !t.address.startsWith('[') ? `[${t.address}]` : t.address;
  return `${t.protocol}://${host}:${t.port}`;
}

interface MainPage {
  result: HttpResult;
  /** Where the page was read: the catalog, after one redirect when no catalogPath is configured. */
  url: URL;
  latencyMs: number;
}

/** GET `<catalog>/`, or GET / and one redirect to the catalog. */
async function fetchMainPage(t: ProbeTarget, ctx: Ctx, cookie: string | undefined): Promise<MainPage> {
  const headers: Record<string, string> = cookie ? { Cookie: cookie } : {};
  const path = t.catalogPath ? `/${t.catalogPath.replace(/^\/+|\/+$/g, '')}/`.replace(/^\/\/$/, '/') : '/';
  const url = new URL(path, baseUrl(t));
  const first = await httpRequest(url, { ...ctx.http, headers });
  const location = first.ok ? first.headers.location : undefined;
  if (t.catalogPath || !first.ok || first.status < 300 || first.status > 399 || !location)
    return { result: first, url, latencyMs: first.latencyMs };
  let next: URL;
  try {
    next = new URL(location, url);
  } catch {
    return { result: first, url, latencyMs: first.latencyMs };
  }
  const second = await httpRequest(next, { ...ctx.http, headers });
  return { result: second, url: next, latencyMs: Math.round((first.latencyMs + second.latencyMs) * 10) / 10 };
}

/** key / limit / warning from the signed-in page; needs_service was already seen anonymously. */
function judgeNotices(
  ctx: Ctx,
  page: HttpResponse,
  cls: MainPageClassification,
  needsService: boolean,
): void {
  if (cls.condition === 'maintenance') return putAll(ctx, NOTICE_CHECKS, 'suppressed', 'maintenance');
  if (page.status !== 200)
    return putAll(ctx, NOTICE_CHECKS, 'unknown', `signed-in page answered HTTP ${page.status}`);
  const verdict = (check: CheckName, bad: boolean, detail: string): void =>
    put(ctx, check, bad ? 'failed' : 'ok', bad ? { code: page.status, detail } : {});
  const has = (n: MainPageNotice): boolean => cls.notices.includes(n);
  verdict('key', has('key_not_found'), 'key not found');
  verdict('limit', has('licences_exhausted'), 'licences exhausted');
  const warnings = [
    ...(needsService || cls.condition === 'needs_service' ? ['needs service'] : []),
    ...(has('server_errors') ? ['server errors'] : []),
  ];
  verdict('warning', warnings.length > 0, warnings.join(', '));
}

/** Without a session key and limit cannot be seen; warning can still fail on an anonymous needs_service. */
function noSession(ctx: Ctx, detail: string, needsService: boolean): void {
  putAll(ctx, ['key', 'limit'], 'unknown', detail);
  if (needsService) put(ctx, 'warning', 'failed', { code: 200, detail: 'needs service' });
  else put(ctx, 'warning', 'unknown', { detail });
}

interface WebOutcome {
  states: Record<AbnormalState, number> | null;
  httpLatencyMs: number | null;
}

/** tcp → main page → session: each step only when the one before it could tell something. */
async function webChecks(t: ProbeTarget, ctx: Ctx): Promise<WebOutcome> {
  const unread: WebOutcome = { states: null, httpLatencyMs: null };
  const tcp = await tcpConnect(t.address, t.port, ctx.timeoutMs, ctx.signal);
  put(ctx, 'tcp', tcp.outcome, { latencyMs: tcp.latencyMs, code: tcp.code, detail: tcp.detail });
  if (tcp.outcome !== 'ok') {
    const why = `no TCP connection (${tcp.code ?? tcp.detail ?? 'unknown'})`;
    put(ctx, 'http200', 'failed', { code: tcp.code, detail: why });
    putAll(ctx, AFTER_PAGE, 'unknown', why);
    if (t.behindProxy) put(ctx, 'proxy', 'unknown', { detail: why });
    return unread;
  }

  const cookie = t.smartlogin ? ctx.sessions.get(sessionKey(t), t.smartlogin) : undefined;
  const main = await fetchMainPage(t, ctx, cookie);
  if (!main.result.ok) {
    const why = `main page not read (${main.result.code})`;
    put(ctx, 'http200', 'failed', {
      code: main.result.code,
      latencyMs: main.result.latencyMs,
      detail: main.result.detail,
    });
    putAll(ctx, AFTER_PAGE, 'unknown', why);
    if (t.behindProxy) put(ctx, 'proxy', 'unknown', { detail: why });
    return unread;
  }

  const page = main.result;
  const cls = classifyMainPage(page.status, page.headers, page.body);
  const answers: HttpResponse[] = [page];
  const out = await judgeMainPage(t, ctx, {
    page,
    cls,
    url: main.url,
    latencyMs: main.latencyMs,
    cookie,
    answers,
  });

  // Reported when configured, or whenever a proxy error shows there is one. The body counts: a proxy
  // such as nginx puts its own Server header on the ПК's answers too.
  const gateway = answers.find((a) =>
    a === page ? cls.gatewayError : classifyMainPage(a.status, a.headers, a.body).gatewayError,
  );
  if (gateway)
    put(ctx, 'proxy', 'failed', { code: gateway.status, detail: `proxy answered HTTP ${gateway.status}` });
  else if (t.behindProxy) put(ctx, 'proxy', 'ok');
  return out;
}

interface MainPageSeen {
  page: HttpResponse;
  cls: MainPageClassification;
  url: URL;
  latencyMs: number;
  /** The cached session cookie the page was fetched with. */
  cookie: string | undefined;
  /** Every answer of the probe; the session's are added. */
  answers: HttpResponse[];
}

/** Maintenance, http200 and, through the smartlogin session, auth / key / warning / limit. */
async function judgeMainPage(t: ProbeTarget, ctx: Ctx, m: MainPageSeen): Promise<WebOutcome> {
  const { page, cls } = m;
  const status = page.status;
  const out: WebOutcome = { states: cls.states, httpLatencyMs: m.latencyMs };
  if (cls.condition === 'maintenance') {
    // Rule 1: the ПК says it is in maintenance; nothing behind the main page can be judged.
    put(ctx, 'Maintenance', 'failed', { code: status, detail: 'maintenance mode' });
    put(ctx, 'http200', 'suppressed', { code: status, latencyMs: m.latencyMs, detail: 'maintenance' });
    putAll(ctx, SIGNED_IN, 'suppressed', 'maintenance');
    return out;
  }
  // A proxy's error page says nothing about the ПК's mode.
  put(
    ctx,
    'Maintenance',
    cls.gatewayError ? 'unknown' : 'ok',
    cls.gatewayError ? { detail: 'proxy error' } : {},
  );
  put(ctx, 'http200', status === 200 ? 'ok' : 'failed', {
    code: status,
    latencyMs: m.latencyMs,
    ...(status === 200 ? {} : { detail: cls.condition.replaceAll('_', ' ') }),
  });
  if (status !== 200 || cls.condition === 'server_not_started') {
    // Rule 5 and the like: the ПК is not serving users, so a login would only repeat that.
    const why =
      cls.condition === 'server_not_started' ? 'server not started' : `main page answered HTTP ${status}`;
    putAll(ctx, SIGNED_IN, 'unknown', why);
    return out;
  }
  const needsService = cls.condition === 'needs_service';
  const creds = t.smartlogin;
  if (!creds) {
    // Rule 3.
    put(ctx, 'auth', 'unknown', { detail: 'no smartlogin' });
    noSession(ctx, 'no smartlogin', needsService);
    return out;
  }

  const s = await signedInPage({
    mainUrl: m.url,
    creds,
    key: sessionKey(t),
    cache: ctx.sessions,
    http: ctx.http,
    firstPage: { page, cookieSent: m.cookie !== undefined },
  });
  m.answers.push(...s.answers);
  put(ctx, 'auth', s.auth.outcome, { code: s.auth.code, latencyMs: s.auth.latencyMs, detail: s.auth.detail });
  if (s.auth.outcome !== 'ok' || !s.page) {
    // Rule 2: the login failed, so the notices were never seen.
    noSession(ctx, 'no smartlogin session', needsService);
    return out;
  }
  if (!s.page.ok) {
    noSession(ctx, `signed-in page not read (${s.page.code})`, needsService);
    return out;
  }
  const signed = s.page === page ? cls : classifyMainPage(s.page.status, s.page.headers, s.page.body);
  out.states = mergeStates(cls.states, signed.states);
  judgeNotices(ctx, s.page, signed, needsService);
  return out;
}

/** ICMP to the ПК and the licence manager: independent of the web checks and of each other. */
async function sideChecks(t: ProbeTarget, ctx: Ctx): Promise<void> {
  const jobs: Promise<void>[] = [];
  const job = (check: CheckName, run: () => Promise<Extra & { outcome: CheckOutcome }>): void => {
    jobs.push(
      run().then(
        ({ outcome, ...extra }) => put(ctx, check, outcome, extra),
        (e: unknown) => put(ctx, check, 'unknown', { detail: `probe error: ${errorText(e)}` }),
      ),
    );
  };
  const icmp = async (host: string): Promise<Extra & { outcome: CheckOutcome }> => {
    const r = await ctx.pinger(host, {
      timeoutMs: ctx.timeoutMs,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    return { outcome: r.outcome, latencyMs: r.rttMs, detail: r.detail };
  };
  if (t.icmp) job('icmp', () => icmp(t.address));
  const lm = t.licman;
  if (lm) {
    job('licman_icmp', () => icmp(lm.address));
    const port = lm.port;
    if (port !== null) job('licman_tcp', () => tcpConnect(lm.address, port, ctx.timeoutMs, ctx.signal));
  }
  await Promise.all(jobs);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Runs every check of one installation; never throws. */
export async function probeInstallation(target: ProbeTarget, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const startedAt = (opts.clock ?? Date.now)();
  const t0 = performance.now();
  const timeoutMs = opts.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  const ctx: Ctx = {
    timeoutMs,
    signal: opts.signal,
    sessions: opts.sessions ?? defaultSessions,
    pinger: opts.pinger ?? ping,
    http: {
      timeoutMs,
      ...(opts.agents ? { agents: opts.agents } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      verifyTls: opts.verifyTls ?? false,
    },
    checks: new Map(),
  };
  let error = 'not run';
  const [web] = await Promise.all([
    webChecks(target, ctx).catch((e: unknown): WebOutcome => {
      error = errorText(e);
      return { states: null, httpLatencyMs: null };
    }),
    sideChecks(target, ctx),
  ]);

  // Whatever a bug left unjudged is reported as such rather than dropped.
  const wanted = CHECKS.filter((c) => ctx.checks.has(c) || expected(target, c));
  const checks = wanted.map(
    (c) =>
      ctx.checks.get(c) ?? {
        check: c,
        outcome: 'unknown' as const,
        detail: `probe error: ${error}`,
      },
  );
  return {
    startedAt,
    durationMs: Math.round(performance.now() - t0),
    checks,
    states: web.states,
    httpLatencyMs: web.httpLatencyMs,
  };
}

/** Checks a target always reports (proxy also appears on its own when a proxy error is seen). */
function expected(t: ProbeTarget, c: CheckName): boolean {
  switch (c) {
    case 'icmp':
      return t.icmp;
    case 'proxy':
      return t.behindProxy;
    case 'licman_icmp':
      return t.licman !== null;
    case 'licman_tcp':
      return t.licman !== null && t.licman.port !== null;
    default:
      return true;
  }
}
