/**
 * SMART.Online: reads every online access through the job runner. Hourly, the four remainders of the
 * profile (`online_profile` jobs); nightly at 03:00 in the access's time zone, the previous local
 * days' search log (`online_search_log` jobs). What was read goes to series, `online_state`,
 * `online_usage_monthly` and `online_search_log`; the login result is the `login` check (its
 * transitions are events, its daily ok/total the billing availability).
 */
import { storeDayCounts } from './search-daily.js';
import type { AppContext } from '../context.js';
import { withTx } from '../db/tx.js';
import { syncJobs } from '../jobs/leases.js';
import type { JobHandler, JobResult } from '../jobs/runner.js';
import { nextDailyAt, phaseFraction } from '../jobs/schedule.js';
import { dropStaleStatus, type CheckRecorder } from '../metrics/checks.js';
import {
  forgetSeriesIds,
  seriesIdCache,
  writeOwnedSamples,
  type OwnedSample,
} from '../metrics/series-writer.js';
import { readProfile, readSearchLog, usedPercent } from './client.js';
import { ONLINE_KINDS, type OnlineFailure, type OnlineProfile, type OnlineTarget } from './types.js';

export const ONLINE_PROFILE_JOB = 'online_profile';
export const ONLINE_SEARCHLOG_JOB = 'online_search_log';

export const ONLINE_SERIES = {
  remaining: 'online_remaining',
  limit: 'online_limit',
  usedPct: 'online_used_pct',
} as const;

/** Only Документы and Поиск have a usage percentage in the service's UI (spec §2.4). */
const PCT_KINDS = ['docs', 'search'] as const;
const DAY = 86_400_000;
/** How far back a search log is caught up after an outage. */
const SEARCHLOG_MAX_DAYS = 7;

export interface OnlineAccessTarget extends OnlineTarget {
  accessId: number;
  dealerId: number;
  host: string;
  utcOffsetMin: number;
}

export interface OnlinePollerOptions {
  /** Where the DC really is (demo and tests); default `protocol://host`. */
  resolveBaseUrl?: (a: { id: number; host: string; protocol: string }) => string | undefined;
  profileIntervalMs?: number;
  /** Local hour of the nightly search-log read (default 3). */
  searchLogHour?: number;
  connectTimeoutMs?: number;
  readTimeoutMs?: number;
  /** Reads of one DC server at once on this node (default 4: a DC hosts many accesses). */
  perHostConcurrency?: number;
  concurrency?: number;
}

/** `YYYY-MM` and `YYYY-MM-DD` of an instant in a fixed UTC offset. */
export function localMonth(at: number, utcOffsetMin: number): string {
  return localDay(at, utcOffsetMin).slice(0, 7);
}
export function localDay(at: number, utcOffsetMin: number): string {
  return new Date(at + utcOffsetMin * 60_000).toISOString().slice(0, 10);
}
function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
}

export async function loadOnlineTargets(
  ctx: AppContext,
  opts: Pick<OnlinePollerOptions, 'resolveBaseUrl'> = {},
  ids?: number[],
): Promise<OnlineAccessTarget[]> {
  let q = ctx.db.selectFrom('online_accesses').selectAll();
  if (ids) q = q.where('id', 'in', ids.length ? ids : [-1]);
  const rows = await q.execute();
  return rows.map((r) => ({
    accessId: r.id,
    dealerId: r.dealer_id,
    host: r.host,
    utcOffsetMin: r.utc_offset_min,
    baseUrl:
      opts.resolveBaseUrl?.({ id: r.id, host: r.host, protocol: r.protocol }) ?? `${r.protocol}://${r.host}`,
    folder: r.folder,
    login: r.login,
    password: ctx.secrets.decrypt(r.password_enc),
  }));
}

export interface OnlinePoller {
  profileHandler: JobHandler;
  searchLogHandler: JobHandler;
}

export function createOnlinePoller(
  ctx: AppContext,
  recorder: CheckRecorder,
  opts: OnlinePollerOptions = {},
): OnlinePoller {
  let targets = new Map<number, OnlineAccessTarget>();
  const read = {
    connectTimeoutMs: opts.connectTimeoutMs ?? 10_000,
    readTimeoutMs: opts.readTimeoutMs ?? 30_000,
  };
  const hour = opts.searchLogHour ?? 3;
  const profileIntervalMs = opts.profileIntervalMs ?? 3_600_000;

  const targetOf = async (id: number): Promise<OnlineAccessTarget | undefined> =>
    targets.get(id) ?? (await loadOnlineTargets(ctx, opts, [id]))[0];

  const sync = async (): Promise<void> => {
    const list = await loadOnlineTargets(ctx, opts);
    targets = new Map(list.map((t) => [t.accessId, t]));
    const now = ctx.clock.now();
    const profiles = await syncJobs(
      ctx,
      ONLINE_PROFILE_JOB,
      list.map((t) => ({
        kind: ONLINE_PROFILE_JOB,
        subjectId: t.accessId,
        dealerId: t.dealerId,
        host: t.host,
        intervalMs: profileIntervalMs,
      })),
    );
    await syncJobs(
      ctx,
      ONLINE_SEARCHLOG_JOB,
      list.map((t) => ({
        kind: ONLINE_SEARCHLOG_JOB,
        subjectId: t.accessId,
        dealerId: t.dealerId,
        host: t.host,
        intervalMs: DAY,
        firstRunAt: nightly(now, t),
      })),
    );
    if (profiles.removed > 0) await dropStaleStatus(ctx, 'online', ONLINE_PROFILE_JOB);
  };

  const nightly = (now: number, t: OnlineAccessTarget) =>
    nextDailyAt(now, t.utcOffsetMin, hour, 2 * 3_600_000, phaseFraction(ONLINE_SEARCHLOG_JOB, t.accessId));

  const profileHandler: JobHandler = {
    kind: ONLINE_PROFILE_JOB,
    concurrency: opts.concurrency ?? 32,
    perHostConcurrency: opts.perHostConcurrency ?? 4,
    timeoutMs: read.connectTimeoutMs * 3 + read.readTimeoutMs * 3,
    sync,
    flush: () => recorder.flush(),
    async run(job, signal): Promise<JobResult> {
      const t = await targetOf(job.subject_id);
      if (!t) return { outcome: 'failed', error: 'online access no longer exists' };
      const r = await readProfile(t, { ...read, signal });
      const at = ctx.clock.now();
      const subject = { kind: 'online' as const, id: t.accessId, dealerId: t.dealerId };
      if (r.ok) {
        await storeProfile(ctx, t, r.profile, at);
        recorder.add([{ subject, check: 'login', outcome: 'ok', latencyMs: r.latencyMs, at }]);
        return { outcome: 'ok' };
      }
      await storeFailure(ctx, t, r, at);
      recorder.add([
        {
          subject,
          check: 'login',
          outcome: 'failed',
          code: r.error,
          detail: `${r.code}: ${r.message}`,
          latencyMs: r.latencyMs,
          at,
        },
      ]);
      return { outcome: 'failed', error: `${r.error} (${r.code})` };
    },
  };

  const searchLogHandler: JobHandler = {
    kind: ONLINE_SEARCHLOG_JOB,
    concurrency: opts.concurrency ?? 32,
    perHostConcurrency: opts.perHostConcurrency ?? 4,
    timeoutMs: (read.connectTimeoutMs * 3 + read.readTimeoutMs * 3) * SEARCHLOG_MAX_DAYS,
    async run(job, signal): Promise<JobResult> {
      const t = await targetOf(job.subject_id);
      if (!t) return { outcome: 'failed', error: 'online access no longer exists' };
      const now = ctx.clock.now();
      const result = await catchUpSearchLog(ctx, t, now, { ...read, signal });
      // A failed night is tried again in an hour rather than tomorrow.
      return result.ok
        ? { outcome: 'ok', nextRunAt: nightly(now, t) }
        : { outcome: 'failed', error: result.error, nextRunAt: now + 3_600_000 };
    },
  };

  return { profileHandler, searchLogHandler };
}

/** Samples, the current state and the month's last reading of one successful profile read. */
export async function storeProfile(
  ctx: AppContext,
  t: Pick<OnlineAccessTarget, 'accessId' | 'dealerId' | 'utcOffsetMin'>,
  p: OnlineProfile,
  at: number,
): Promise<void> {
  const subject = { kind: 'online' as const, id: t.accessId, dealerId: t.dealerId };
  const samples: OwnedSample[] = [];
  for (const kind of ONLINE_KINDS) {
    samples.push({
      subject,
      metric: ONLINE_SERIES.remaining,
      labels: { kind },
      ts: at,
      value: p[kind].remaining,
    });
    samples.push({ subject, metric: ONLINE_SERIES.limit, labels: { kind }, ts: at, value: p[kind].limit });
  }
  for (const kind of PCT_KINDS) {
    samples.push({
      subject,
      metric: ONLINE_SERIES.usedPct,
      labels: { kind },
      ts: at,
      value: usedPercent(p[kind]),
    });
  }
  // The page's month is authoritative for its numbers; without one, the access's local month.
  const month = /^\d{4}-\d{2}$/.test(p.month) ? p.month : localMonth(at, t.utcOffsetMin);
  try {
    await withTx(ctx, async (db) => {
      const tctx = { ...ctx, db };
      await writeOwnedSamples(tctx, samples, seriesIdCache(ctx.db));
      const prev = await db
        .selectFrom('online_state')
        .selectAll()
        .where('online_access_id', '=', t.accessId)
        .executeTakeFirst();
      const state = {
        last_used_at: lastUsedAt(prev, p, month, at),
        dealer_id: t.dealerId,
        checked_at: at,
        ok: 1,
        read_at: at,
        month,
        docs_limit: p.docs.limit,
        docs_remaining: p.docs.remaining,
        search_limit: p.search.limit,
        search_remaining: p.search.remaining,
        print_limit: p.print.limit,
        print_remaining: p.print.remaining,
        export_limit: p.export.limit,
        export_remaining: p.export.remaining,
        error: null,
        error_code: null,
        error_message: null,
        error_since: null,
      };
      await db
        .insertInto('online_state')
        .values({ online_access_id: t.accessId, ...state })
        .onConflict((oc) => oc.column('online_access_id').doUpdateSet(state))
        .execute();
      for (const kind of ONLINE_KINDS) {
        const row = {
          dealer_id: t.dealerId,
          limit_units: p[kind].limit,
          remaining: p[kind].remaining,
          read_at: at,
        };
        await db
          .insertInto('online_usage_monthly')
          .values({ online_access_id: t.accessId, month, kind, ...row })
          .onConflict((oc) => oc.columns(['online_access_id', 'month', 'kind']).doUpdateSet(row))
          .execute();
      }
    });
  } catch (e) {
    // Ids cached in a transaction that was rolled back would never become valid.
    forgetSeriesIds(ctx.db);
    throw e;
  }
}

type PrevState = {
  month: string | null;
  read_at: number | null;
  last_used_at: number | null;
  docs_remaining: number | null;
  search_remaining: number | null;
  print_remaining: number | null;
  export_remaining: number | null;
};

/**
 * When the access was last used, as far as readings tell: units went down since the previous reading
 * of the same month, or (first reading of a month) some were already spent.
 */
export function lastUsedAt(
  prev: PrevState | undefined,
  p: OnlineProfile,
  month: string,
  at: number,
): number | null {
  const spentThisMonth = ONLINE_KINDS.some((k) => p[k].limit - p[k].remaining > 0);
  if (!prev || prev.month !== month || prev.read_at === null)
    return spentThisMonth ? at : (prev?.last_used_at ?? null);
  const went = ONLINE_KINDS.some((k) => {
    const before = prev[`${k}_remaining`];
    return before !== null && p[k].remaining < before;
  });
  return went ? at : prev.last_used_at;
}

export async function storeFailure(
  ctx: AppContext,
  t: Pick<OnlineAccessTarget, 'accessId' | 'dealerId'>,
  f: OnlineFailure,
  at: number,
): Promise<void> {
  const prev = await ctx.db
    .selectFrom('online_state')
    .select(['error', 'error_since'])
    .where('online_access_id', '=', t.accessId)
    .executeTakeFirst();
  const since = prev?.error === f.error && prev.error_since !== null ? prev.error_since : at;
  const state = {
    dealer_id: t.dealerId,
    checked_at: at,
    ok: 0,
    error: f.error,
    error_code: String(f.code),
    error_message: f.message.slice(0, 1000),
    error_since: since,
  };
  await ctx.db
    .insertInto('online_state')
    .values({ online_access_id: t.accessId, ...state })
    .onConflict((oc) => oc.column('online_access_id').doUpdateSet(state))
    .execute();
}

/**
 * Stores the search log of every local day since the last one stored (at most a week back) up to
 * yesterday. Each day is replaced as a whole, so a repeated read never duplicates entries.
 */
export async function catchUpSearchLog(
  ctx: AppContext,
  t: OnlineAccessTarget,
  now: number,
  read: { connectTimeoutMs: number; readTimeoutMs: number; signal?: AbortSignal },
): Promise<{ ok: true; days: number } | { ok: false; error: string }> {
  const yesterday = addDays(localDay(now, t.utcOffsetMin), -1);
  const state = await ctx.db
    .selectFrom('online_state')
    .select('searchlog_through')
    .where('online_access_id', '=', t.accessId)
    .executeTakeFirst();
  const earliest = addDays(yesterday, -(SEARCHLOG_MAX_DAYS - 1));
  let day = state?.searchlog_through ? addDays(state.searchlog_through, 1) : yesterday;
  if (day < earliest) day = earliest;
  let days = 0;
  for (; day <= yesterday; day = addDays(day, 1)) {
    const r = await readSearchLog(t, day, read);
    if (!r.ok) return { ok: false, error: `${r.error} (${r.code}) reading ${day}` };
    await withTx(ctx, async (db) => {
      await db
        .deleteFrom('online_search_log')
        .where('online_access_id', '=', t.accessId)
        .where('day', '=', day)
        .execute();
      const rows = r.entries.map((e) => ({
        online_access_id: t.accessId,
        dealer_id: t.dealerId,
        day,
        at: e.time,
        user_name: e.user,
        query: e.query,
        type: e.type,
        status: e.status,
      }));
      for (let i = 0; i < rows.length; i += 300) {
        await db
          .insertInto('online_search_log')
          .values(rows.slice(i, i + 300))
          .execute();
      }
      await storeDayCounts(db, t.accessId, day, rows);
      const mark = { dealer_id: t.dealerId, checked_at: now, ok: 1, searchlog_through: day };
      await db
        .insertInto('online_state')
        .values({ online_access_id: t.accessId, ...mark })
        .onConflict((oc) => oc.column('online_access_id').doUpdateSet({ searchlog_through: day }))
        .execute();
      // A search is use too (OnlineAccessUnused), even one that spent no unit.
      const latest = rows.reduce((m, r) => Math.max(m, r.at), 0);
      if (latest > 0) {
        await db
          .updateTable('online_state')
          .set({ last_used_at: latest })
          .where('online_access_id', '=', t.accessId)
          .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', latest)]))
          .execute();
      }
    });
    days++;
  }
  return { ok: true, days };
}
