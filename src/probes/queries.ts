/**
 * What probes found, for one installation the actor may see: the current check outcomes and abnormal
 * states, their change log, and the rolling 30-day availability of the interface and the port.
 */
import type { AppContext } from '../context.js';
import { getInstallation } from '../inventory/installations.js';
import { rollingAvailability, type Availability } from '../metrics/availability.js';
import { STATE_PREFIX, type CheckOutcome } from '../metrics/checks.js';
import type { Actor } from '../tenancy/scope.js';
import { PROBE_JOB } from './service.js';
import { ABNORMAL_STATE_TITLES, ABNORMAL_STATES, type AbnormalState } from './types.js';

export interface CheckStatusView {
  check: string;
  outcome: CheckOutcome;
  code: string | null;
  detail: string | null;
  latencyMs: number | null;
  since: number;
}

export interface StateView {
  state: AbnormalState;
  title: string;
  /** 0 when not observed, else the HTTP status it came with. */
  value: number;
  since: number;
}

export interface InstallationChecks {
  installationId: number;
  probed: boolean;
  intervalS: number | null;
  lastRunAt: number | null;
  nextRunAt: number | null;
  checks: CheckStatusView[];
  states: StateView[];
}

export async function installationChecks(
  ctx: AppContext,
  actor: Actor,
  installationId: number,
): Promise<InstallationChecks> {
  await getInstallation(ctx, actor, installationId);
  const [rows, job] = await Promise.all([
    ctx.db
      .selectFrom('check_status')
      .selectAll()
      .where('subject_kind', '=', 'installation')
      .where('subject_id', '=', installationId)
      .orderBy('check_name')
      .execute(),
    ctx.db
      .selectFrom('jobs')
      .select(['interval_ms', 'last_finished_at', 'next_run_at'])
      .where('kind', '=', PROBE_JOB)
      .where('subject_id', '=', installationId)
      .executeTakeFirst(),
  ]);
  const states: StateView[] = [];
  const checks: CheckStatusView[] = [];
  for (const r of rows) {
    if (r.check_name.startsWith(STATE_PREFIX)) {
      const state = r.check_name.slice(STATE_PREFIX.length) as AbnormalState;
      if (!ABNORMAL_STATES.includes(state)) continue;
      states.push({ state, title: ABNORMAL_STATE_TITLES[state], value: Number(r.code ?? 0), since: r.since });
    } else {
      checks.push({
        check: r.check_name,
        outcome: r.outcome as CheckOutcome,
        code: r.code,
        detail: r.detail,
        latencyMs: r.latency_ms,
        since: r.since,
      });
    }
  }
  states.sort((a, b) => ABNORMAL_STATES.indexOf(a.state) - ABNORMAL_STATES.indexOf(b.state));
  return {
    installationId,
    probed: job !== undefined,
    intervalS: job ? job.interval_ms / 1000 : null,
    lastRunAt: job?.last_finished_at ?? null,
    nextRunAt: job?.next_run_at ?? null,
    checks,
    states,
  };
}

export interface CheckEventView {
  at: number;
  check: string;
  from: string | null;
  to: string;
  code: string | null;
  detail: string | null;
}

export async function installationCheckEvents(
  ctx: AppContext,
  actor: Actor,
  installationId: number,
  q: { from?: number; to?: number; limit?: number } = {},
): Promise<CheckEventView[]> {
  await getInstallation(ctx, actor, installationId);
  const rows = await ctx.db
    .selectFrom('check_events')
    .selectAll()
    .where('subject_kind', '=', 'installation')
    .where('subject_id', '=', installationId)
    .where('at', '>=', q.from ?? 0)
    .where('at', '<', q.to ?? Number.MAX_SAFE_INTEGER)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(Math.min(q.limit ?? 200, 5_000))
    .execute();
  return rows.map((r) => ({
    at: r.at,
    check: r.check_name,
    from: r.from_outcome,
    to: r.to_outcome,
    code: r.code,
    detail: r.detail,
  }));
}

export interface InstallationAvailability {
  installationId: number;
  /** "Доступность интерфейса ПК": the http200 check. */
  interface: Availability;
  /** "Доступность открытого порта к ПК": the tcp check. */
  port: Availability;
  icmp: Availability;
}

export async function installationAvailability(
  ctx: AppContext,
  actor: Actor,
  installationId: number,
  range: { from: number; to: number },
): Promise<InstallationAvailability> {
  await getInstallation(ctx, actor, installationId);
  const of = (check: string) => rollingAvailability(ctx, 'installation', [installationId], check, range);
  const [iface, port, icmp] = await Promise.all([of('http200'), of('tcp'), of('icmp')]);
  return { installationId, interface: iface, port, icmp };
}
