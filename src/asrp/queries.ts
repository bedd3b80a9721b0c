/**
 * «Загрузка sysinfo в АСРП» (spec online-managers §4.8, §6): per visible installation the last upload
 * and ASRP's answer, the hourly counts «Статус: Принят» / «Статус: не "ок"», and the upload log, plus
 * the «send now» action. The installations come from the caller's scope narrowed by the dashboard's
 * variables (`visibleInstallations`), so isolation is the dashboards' own.
 */
import { sql } from 'kysely';
import type { AppContext } from '../context.js';
import { visibleInstallations, type InstallationSubject } from '../dashboards/subjects.js';
import { ConflictError, NotFoundError, ValidationError } from '../lib/errors.js';
import { getDealer } from '../tenancy/dealers.js';
import { requireWrite, scopeDealerId, type Actor } from '../tenancy/scope.js';
import {
  ASRP_DEFAULT_RANGE_MS,
  ASRP_LOG_DEFAULT,
  AsrpSendInput,
  type AsrpDashboardOut,
  type AsrpDashboardQuery,
  type AsrpErrorKind,
  type AsrpInstallationRow,
  type AsrpLogRow,
  type AsrpOutcome,
} from './contract.js';
import { ANSWERED, ASRP_JOB, queueNow } from './uploader.js';
import { loadEnabledSettings } from './settings.js';

const HOUR = 3_600_000;
const CHUNK = 500;

function chunks<T>(list: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += CHUNK) out.push(list.slice(i, i + CHUNK));
  return out;
}

/** The dashboard's `response` variable as outcomes. */
function outcomesOf(response: readonly string[] | undefined): AsrpOutcome[] | null {
  if (!response || response.length === 0) return null;
  const out = new Set<AsrpOutcome>();
  for (const r of response) {
    if (r === 'ok') out.add('accepted');
    if (r === 'warning') {
      out.add('warning');
      out.add('repeat');
    }
    if (r === 'error') out.add('error');
  }
  return [...out];
}

interface UploadRow {
  id: number;
  installation_id: number;
  dealer_id: number;
  sent_at: number;
  outcome: string;
  response: string | null;
  state: string | null;
  upload_number: string | null;
  identifier: string | null;
  error_kind: string | null;
  http_status: number | null;
  message: string | null;
  size_bytes: number | null;
  sha256: string | null;
}

function toLog(r: UploadRow, s: InstallationSubject, dealer: string): AsrpLogRow {
  return {
    id: Number(r.id),
    at: Number(r.sent_at),
    installationId: s.id,
    clientId: s.clientId,
    client: s.client,
    host: s.host,
    dealer,
    outcome: r.outcome as AsrpOutcome,
    response: r.response,
    state: r.state,
    uploadNumber: r.upload_number,
    identifier: r.identifier,
    errorKind: r.error_kind as AsrpErrorKind | null,
    httpStatus: r.http_status === null ? null : Number(r.http_status),
    message: r.message,
    sizeBytes: r.size_bytes === null ? null : Number(r.size_bytes),
  };
}

export async function asrpDashboard(
  ctx: AppContext,
  actor: Actor,
  q: AsrpDashboardQuery,
): Promise<AsrpDashboardOut> {
  const now = ctx.clock.now();
  const to = q.to ?? now;
  const from = q.from ?? to - ASRP_DEFAULT_RANGE_MS;
  if (from >= to) throw ValidationError.about('from', 'must be before to');
  const subjects = await visibleInstallations(ctx, actor, q);
  const byId = new Map(subjects.map((s) => [s.id, s]));
  const ids = subjects.map((s) => s.id);
  const dealerIds = [...new Set(subjects.map((s) => s.dealerId))];
  const ownDealer = scopeDealerId(actor.scope) ?? q.dealerId;
  const dealerRows = await ctx.db
    .selectFrom('dealers as d')
    .leftJoin('asrp_settings as s', 's.dealer_id', 'd.id')
    .select(['d.id', 'd.code', 's.enabled', 's.schedule_s'])
    .where('d.id', 'in', ownDealer !== undefined ? [ownDealer] : dealerIds.length ? dealerIds : [-1])
    .execute();
  const dealerCode = new Map(dealerRows.map((d) => [Number(d.id), d.code]));
  const scheduleOf = new Map(dealerRows.map((d) => [Number(d.id), Number(d.schedule_s ?? 604_800)]));

  const outcomes = outcomesOf(q.response);
  const log: AsrpLogRow[] = [];
  const hourly = new Map<number, { accepted: number; notOk: number }>();
  const totals = { accepted: 0, repeat: 0, warning: 0, error: 0 };
  let logTotal = 0;
  const logLimit = q.logLimit ?? ASRP_LOG_DEFAULT;
  const lastById = new Map<number, UploadRow>();
  const lastAcceptedAt = new Map<number, number>();
  const lastAnsweredSha = new Map<number, string | null>();
  const lastAnsweredId = new Map<number, number>();
  const errorCount = new Map<number, number>();
  const latestSha = new Map<number, { sha: string; at: number }>();
  const nextRun = new Map<number, number>();

  for (const part of chunks(ids)) {
    // The range: hourly counts and the log (newest first).
    let rq = ctx.db
      .selectFrom('asrp_uploads')
      .selectAll()
      .where('installation_id', 'in', part)
      .where('sent_at', '>=', from)
      .where('sent_at', '<', to);
    if (outcomes) rq = rq.where('outcome', 'in', outcomes);
    const rows = (await rq.orderBy('sent_at', 'desc').orderBy('id', 'desc').execute()) as UploadRow[];
    for (const r of rows) {
      const o = r.outcome as AsrpOutcome;
      totals[o] += 1;
      const hour = Math.floor(Number(r.sent_at) / HOUR) * HOUR;
      const h = hourly.get(hour) ?? { accepted: 0, notOk: 0 };
      if (o === 'accepted') h.accepted += 1;
      else h.notOk += 1;
      hourly.set(hour, h);
      logTotal += 1;
      const s = byId.get(Number(r.installation_id))!;
      log.push(toLog(r, s, dealerCode.get(s.dealerId) ?? ''));
    }

    // The last attempt of each installation, whenever it was.
    const last = (await ctx.db
      .selectFrom('asrp_uploads as u')
      .selectAll('u')
      .where('u.installation_id', 'in', part)
      .where(
        'u.id',
        '=',
        sql<number>`(select a.id from asrp_uploads a where a.installation_id = u.installation_id
          order by a.sent_at desc, a.id desc limit 1)`,
      )
      .execute()) as UploadRow[];
    for (const r of last) lastById.set(Number(r.installation_id), r);

    const accepted = await ctx.db
      .selectFrom('asrp_uploads')
      .select(['installation_id', (eb) => eb.fn.max('sent_at').as('at')])
      .where('installation_id', 'in', part)
      .where('outcome', '=', 'accepted')
      .groupBy('installation_id')
      .execute();
    for (const r of accepted) lastAcceptedAt.set(Number(r.installation_id), Number(r.at));

    const answered = await ctx.db
      .selectFrom('asrp_uploads')
      .select(['id', 'installation_id', 'sha256'])
      .where(
        'id',
        'in',
        ctx.db
          .selectFrom('asrp_uploads')
          .select((eb) => eb.fn.max('id').as('id'))
          .where('installation_id', 'in', part)
          .where('outcome', 'in', [...ANSWERED])
          .groupBy('installation_id'),
      )
      .execute();
    for (const r of answered) {
      lastAnsweredSha.set(Number(r.installation_id), r.sha256);
      lastAnsweredId.set(Number(r.installation_id), Number(r.id));
    }

    const errs = await ctx.db
      .selectFrom('asrp_uploads as u')
      .select(['u.installation_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('u.installation_id', 'in', part)
      .where('u.outcome', '=', 'error')
      .where(
        'u.id',
        '>',
        sql<number>`coalesce((select max(a.id) from asrp_uploads a where a.installation_id = u.installation_id
          and a.outcome in ('accepted', 'repeat', 'warning')), 0)`,
      )
      .groupBy('u.installation_id')
      .execute();
    for (const r of errs) errorCount.set(Number(r.installation_id), Number(r.n));

    // The newest stored sysinfo of each installation (the file the next run would send).
    const latest = await ctx.db
      .selectFrom('reports as r')
      .select(['r.installation_id', 'r.sha256', 'r.report_at', 'r.received_at'])
      .where('r.installation_id', 'in', part)
      .where('r.channel', '=', 'sysinfo')
      .where('r.status', '=', 'processed')
      .where('r.spool_path', '!=', '')
      .orderBy('r.installation_id')
      .orderBy(sql`coalesce(r.report_at, r.received_at)`, 'desc')
      .orderBy('r.id', 'desc')
      .execute();
    for (const r of latest) {
      const id = Number(r.installation_id);
      if (!latestSha.has(id)) latestSha.set(id, { sha: r.sha256, at: Number(r.report_at ?? r.received_at) });
    }

    const jobs = await ctx.db
      .selectFrom('jobs')
      .select(['subject_id', 'next_run_at'])
      .where('kind', '=', ASRP_JOB)
      .where('subject_id', 'in', part)
      .execute();
    for (const j of jobs) nextRun.set(Number(j.subject_id), Number(j.next_run_at));
  }

  const installations: AsrpInstallationRow[] = subjects.map((s) => {
    const l = lastById.get(s.id);
    const lat = latestSha.get(s.id);
    const periodMs = (scheduleOf.get(s.dealerId) ?? 604_800) * 1000;
    const lastLog = l ? toLog(l, s, '') : null;
    return {
      installationId: s.id,
      clientId: s.clientId,
      client: s.client,
      host: s.host,
      kind: s.kind,
      sysinfoAt: lat?.at ?? null,
      sysinfoAgeMs: lat ? Math.max(0, now - lat.at) : null,
      pending: lat !== undefined && lastAnsweredSha.get(s.id) !== lat.sha,
      stale: lat === undefined || now - lat.at > periodMs,
      last: lastLog
        ? {
            id: lastLog.id,
            at: lastLog.at,
            outcome: lastLog.outcome,
            response: lastLog.response,
            state: lastLog.state,
            uploadNumber: lastLog.uploadNumber,
            identifier: lastLog.identifier,
            errorKind: lastLog.errorKind,
            httpStatus: lastLog.httpStatus,
            message: lastLog.message,
            sizeBytes: lastLog.sizeBytes,
          }
        : null,
      lastAcceptedAt: lastAcceptedAt.get(s.id) ?? null,
      errorsInRow: errorCount.get(s.id) ?? 0,
      nextRunAt: nextRun.get(s.id) ?? null,
    };
  });

  log.sort((a, b) => b.at - a.at || b.id - a.id);
  return {
    from,
    to,
    dealers: dealerRows.map((d) => ({
      dealerId: Number(d.id),
      dealer: d.code,
      enabled: d.enabled === 1,
      scheduleS: Number(d.schedule_s ?? 604_800),
    })),
    hourly: [...hourly.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([hour, v]) => ({ hour, accepted: v.accepted, notOk: v.notOk })),
    totals,
    installations,
    log: log.slice(0, logLimit),
    logTotal,
  };
}

/**
 * «Send now» for visible installations of one dealer (every role that may change configuration):
 * their uploads become due at once. 409 when the dealer has ASRP upload off.
 */
export async function asrpSendNow(
  ctx: AppContext,
  actor: Actor,
  input: AsrpSendInput,
): Promise<{ queued: number }> {
  const data = AsrpSendInput.parse(input);
  requireWrite(actor);
  const dealerId = data.dealerId ?? scopeDealerId(actor.scope);
  if (dealerId === null) throw ValidationError.about('dealerId', 'required, because you belong to no dealer');
  await getDealer(ctx, actor, dealerId);
  const visible = await visibleInstallations(ctx, actor, {
    dealerId,
    ...(data.installationIds ? { installationId: data.installationIds } : {}),
  });
  if (data.installationIds) {
    const seen = new Set(visible.map((v) => v.id));
    const missing = data.installationIds.find((id) => !seen.has(id));
    if (missing !== undefined) throw new NotFoundError(`installation ${missing}`);
  }
  const settings = (await loadEnabledSettings(ctx, [dealerId]))[0];
  if (!settings)
    throw new ConflictError('ASRP upload is off for this dealer: switch it on in the ASRP settings first');
  return {
    queued: await queueNow(
      ctx,
      settings,
      visible.map((v) => v.id),
    ),
  };
}
