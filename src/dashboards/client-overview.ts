/**
 * The client page (system requirements §5 L11, R-OPS-18): one view that says whether a client is fine
 * right now and, if not, why. For every installation and online access: when data last came in on each
 * channel and how often it should, versions, OperUp age, the newest update files, licence expiry, the
 * 30-day availability, the current checks and the last 24 hours of each as segments, the open alerts;
 * and a verdict with short Russian reasons.
 *
 * Verdict rules (`clientVerdict`, a pure function):
 * - **critical**: an alert is firing with priority K1/K2, or K3 and importance `critical` (`isSevere`:
 *   a lost key or server, an exhausted limit, a licence ending in two days — not the K4/K5 early
 *   warnings, most of which are `critical` too in the catalogue), and is neither
 *   inhibited (its cause is listed instead) nor silenced / in a maintenance window (then it is a
 *   warning, marked as such: somebody knows);
 * - **warning**: any other firing alert, a pending one («ожидает подтверждения»), data late on a channel
 *   (sysinfo or СМАРТ.Статус older than two intervals, probes not run for three intervals, an online
 *   access not read for three hours or whose last read failed), or an object that never sent anything
 *   while others did;
 * - **unknown**: nothing at all has come in yet (or the client has no objects), and no alert says more;
 * - **ok** otherwise.
 * Reasons are prefixed with the object (host or login) when the client has more than one.
 */
import { STATUS_INTERVAL_S } from '../alerts/rules/installation.js';
import { alertDef } from '../alerts/catalogue.js';
import { listAlerts, type AlertView } from '../alerts/queries.js';
import type { AppContext } from '../context.js';
import { getClient } from '../inventory/clients.js';
import { STATE_PREFIX } from '../metrics/checks.js';
import { PROBE_JOB } from '../probes/service.js';
import type { Actor } from '../tenancy/scope.js';
import { currentAvailability } from './availability.js';
import type { ClientOverviewOut } from './contract.js';
import { emergencyRows } from './emergencies.js';
import { round2 } from './rank.js';
import { installationLabel } from './subjects.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const TIMELINE_MS = DAY;
/** The poller reads every access hourly. */
const POLL_INTERVAL_MS = HOUR;
const OUTCOMES = ['ok', 'failed', 'suppressed', 'unknown'] as const;
type Outcome = (typeof OUTCOMES)[number];
const SENSELOCK_ALERTS = new Set([
  'KodeksOnlineSensLockCheck',
  'KodeksOfflineSensLockCheck',
  'KodeksXmlSensLockStatus',
]);

type InstallationOut = ClientOverviewOut['installations'][number];
type AccessOut = ClientOverviewOut['onlineAccesses'][number];
type Channel = InstallationOut['channels'][number];
type Segment = InstallationOut['timeline'][number]['segments'][number];

/** `3 ч`, `25 мин`, `4 дн.`: how long ago, in the unit a person would say. */
export function formatAge(ms: number): string {
  if (ms < HOUR) return `${Math.max(1, Math.floor(ms / MIN))} мин`;
  if (ms < 48 * HOUR) return `${Math.floor(ms / HOUR)} ч`;
  return `${Math.floor(ms / DAY)} дн.`;
}

const asOutcome = (s: string): Outcome =>
  (OUTCOMES as readonly string[]).includes(s) ? (s as Outcome) : 'unknown';

// ---------------------------------------------------------------- verdict

export interface VerdictInstallation {
  id: number;
  host: string;
  kind: string;
  channels: Channel[];
  /** Earliest licence expiry, ms. */
  licenceExpiresAt: number | null;
  operupAgeDays: number | null;
}

export interface VerdictAccess {
  id: number;
  login: string;
  lastPollAt: number | null;
  ok: boolean | null;
  error: string | null;
}

export interface VerdictInput {
  installations: VerdictInstallation[];
  onlineAccesses: VerdictAccess[];
  /** The client's open (pending or firing) alerts. */
  alerts: Pick<
    AlertView,
    | 'name'
    | 'state'
    | 'priority'
    | 'importance'
    | 'subject'
    | 'inhibitedBy'
    | 'suppressedBy'
    | 'value'
    | 'labels'
    | 'text'
  >[];
}

export interface Verdict {
  verdict: 'ok' | 'warning' | 'critical' | 'unknown';
  reasons: string[];
}

function licenceText(expiresAt: number | null, now: number): string | null {
  if (expiresAt === null) return null;
  const days = (expiresAt - now) / DAY;
  if (days <= 0) return 'Лицензия истекла';
  if (days < 1) return 'Лицензия истекает сегодня';
  return `Лицензия истекает через ${Math.floor(days)} дн.`;
}

function channelAge(channels: Channel[], name: Channel['channel'], now: number): number | null {
  const c = channels.find((x) => x.channel === name);
  return c?.lastAt ? now - c.lastAt : null;
}

/**
 * Whether a firing alert makes the client's verdict critical: K1/K2 always, K3 when its importance is
 * `critical`. Importance alone would not do: 33 of the 49 catalogue alerts are `critical`, K5 licence
 * reminders among them, and a verdict that is almost always red tells nothing.
 */
export function isSevere(priority: string | null, importance: string | null): boolean {
  return priority === 'K1' || priority === 'K2' || (priority === 'K3' && importance === 'critical');
}

export function clientVerdict(input: VerdictInput, now: number): Verdict {
  const critical: string[] = [];
  const warning: string[] = [];
  const many = input.installations.length + input.onlineAccesses.length > 1;
  const inst = new Map(input.installations.map((i) => [i.id, i]));
  const acc = new Map(input.onlineAccesses.map((a) => [a.id, a]));
  const prefix = (kind: string, id: number): string => {
    if (!many) return '';
    if (kind === 'installation') return inst.has(id) ? `${inst.get(id)!.host}: ` : '';
    if (kind === 'online') return acc.has(id) ? `${acc.get(id)!.login}: ` : '';
    return '';
  };

  for (const a of input.alerts) {
    if (a.inhibitedBy !== null) continue; // the alert that inhibits it is listed
    const i = a.subject.kind === 'installation' ? inst.get(a.subject.id) : undefined;
    let text = alertDef(a.name)?.summary ?? a.text;
    if (a.name.startsWith('KodeksLicenseExpiring'))
      text = licenceText(i?.licenceExpiresAt ?? null, now) ?? text;
    else if (SENSELOCK_ALERTS.has(a.name)) text = 'Ключ защиты не найден';
    else if (a.name === 'SmartXMLfileIsToOld') {
      const channel = a.labels.channel === 'status' ? 'status' : 'sysinfo';
      const age = i ? channelAge(i.channels, channel, now) : null;
      const what = channel === 'status' ? 'данных СМАРТ.Статус' : 'sysinfo';
      text =
        age === null
          ? `${channel === 'status' ? 'СМАРТ.Статус' : 'sysinfo'} ещё не поступал`
          : `Нет ${what} ${formatAge(age)}`;
    } else if (a.name === 'SmartAgentSilent' && a.value !== null) {
      text = `Агент не присылает отчёты ${formatAge(a.value * HOUR)}`;
    } else if (a.name === 'KodeksDBOperUpToOld' && i?.operupAgeDays != null) {
      text = `Файлы OperUp не обновлялись ${Math.floor(i.operupAgeDays)} дн.`;
    }
    let line = prefix(a.subject.kind, a.subject.id) + text;
    const severe = isSevere(a.priority, a.importance);
    if (a.state === 'pending') {
      warning.push(`${line} (ожидает подтверждения)`);
    } else if (a.suppressedBy !== null) {
      line += a.suppressedBy.startsWith('maintenance:') ? ' (плановые работы)' : ' (заглушено)';
      warning.push(line);
    } else if (severe) critical.push(line);
    else warning.push(line);
  }

  let withData = 0;
  const noData: string[] = [];
  for (const i of input.installations) {
    const p = prefix('installation', i.id);
    const hasData = i.channels.some((c) => c.lastAt !== null);
    if (hasData) withData += 1;
    for (const c of i.channels) {
      if (c.expectedMs === null) continue;
      if (c.lastAt === null) {
        if (c.channel === 'sysinfo') noData.push(`${p}sysinfo ещё не поступал`);
        continue;
      }
      const age = now - c.lastAt;
      if ((c.channel === 'sysinfo' || c.channel === 'status') && age > 2 * c.expectedMs) {
        warning.push(
          `${p}Нет ${c.channel === 'status' ? 'данных СМАРТ.Статус' : 'sysinfo'} ${formatAge(age)}`,
        );
      } else if (c.channel === 'probe' && age > Math.max(3 * c.expectedMs, 10 * MIN)) {
        warning.push(`${p}Проверки не выполнялись ${formatAge(age)}`);
      }
    }
  }
  for (const a of input.onlineAccesses) {
    const p = prefix('online', a.id);
    if (a.lastPollAt === null) {
      noData.push(`${p}статистика ещё не получена`);
      continue;
    }
    withData += 1;
    if (a.ok === false) warning.push(`${p}Ошибка получения статистики${a.error ? `: ${a.error}` : ''}`);
    const age = now - a.lastPollAt;
    if (age > 3 * POLL_INTERVAL_MS) warning.push(`${p}Нет опроса онлайн-доступа ${formatAge(age)}`);
  }

  const unique = (xs: string[]) => [...new Set(xs)];
  if (input.installations.length + input.onlineAccesses.length === 0) {
    return { verdict: 'unknown', reasons: ['Нет установок и онлайн-доступов'] };
  }
  if (critical.length) return { verdict: 'critical', reasons: unique([...critical, ...warning, ...noData]) };
  if (withData === 0) {
    const reasons = unique([...warning, ...noData]);
    return { verdict: 'unknown', reasons: reasons.length ? reasons : ['Данных ещё не поступало'] };
  }
  if (warning.length || noData.length)
    return { verdict: 'warning', reasons: unique([...warning, ...noData]) };
  return { verdict: 'ok', reasons: [] };
}

// ---------------------------------------------------------------- timeline

/**
 * Segments of each check over [from, to]: the outcome at `from` (the last change before it), split at
 * every change in the window. Checks current now or changed in the window are shown.
 */
export function timelineOf(
  from: number,
  to: number,
  current: { check: string; outcome: string; since: number }[],
  before: Map<string, string>,
  events: { check: string; at: number; outcome: string }[],
): { check: string; segments: Segment[] }[] {
  const checks = new Set([...current.map((c) => c.check), ...events.map((e) => e.check)]);
  const out: { check: string; segments: Segment[] }[] = [];
  for (const check of [...checks].sort()) {
    const cur = current.find((c) => c.check === check);
    let outcome: Outcome = asOutcome(
      before.get(check) ??
        (cur && cur.since <= from && !events.some((e) => e.check === check) ? cur.outcome : 'unknown'),
    );
    let start = from;
    const segments: Segment[] = [];
    for (const e of events.filter((x) => x.check === check)) {
      const next = asOutcome(e.outcome);
      if (next === outcome) continue;
      if (e.at > start) segments.push({ from: start, to: e.at, outcome });
      start = Math.max(start, e.at);
      outcome = next;
    }
    if (to > start) segments.push({ from: start, to, outcome });
    out.push({ check, segments });
  }
  return out;
}

// ---------------------------------------------------------------- the page

export async function clientOverview(
  ctx: AppContext,
  actor: Actor,
  clientId: number,
  now: number,
): Promise<ClientOverviewOut> {
  const client = await getClient(ctx, actor, clientId);
  const [managers, installations, accesses] = await Promise.all([
    client.managerIds.length
      ? ctx.db
          .selectFrom('managers')
          .select(['id', 'name', 'emails'])
          .where('id', 'in', client.managerIds)
          .orderBy('name')
          .execute()
      : Promise.resolve([]),
    ctx.db.selectFrom('installations').selectAll().where('client_id', '=', clientId).orderBy('id').execute(),
    ctx.db
      .selectFrom('online_accesses')
      .selectAll()
      .where('client_id', '=', clientId)
      .orderBy('login')
      .execute(),
  ]);
  const instIds = installations.map((i) => i.id);
  const accIds = accesses.map((a) => a.id);
  const none = [-1];
  const iIn = instIds.length ? instIds : none;
  const oIn = accIds.length ? accIds : none;
  const windowFrom = now - TIMELINE_MS;

  const [
    channels,
    jobs,
    states,
    operups,
    licences,
    checks,
    events,
    before,
    onlineStates,
    http,
    tcp,
    login,
    alerts,
  ] = await Promise.all([
    ctx.db.selectFrom('installation_channels').selectAll().where('installation_id', 'in', iIn).execute(),
    ctx.db
      .selectFrom('jobs')
      .select(['kind', 'subject_id', 'interval_ms', 'last_finished_at'])
      .where('kind', '=', PROBE_JOB)
      .where('subject_id', 'in', iIn)
      .execute(),
    ctx.db.selectFrom('installation_state').selectAll().where('installation_id', 'in', iIn).execute(),
    ctx.db
      .selectFrom('installation_operups')
      .select(['installation_id', 'path', 'modified_at'])
      .where('installation_id', 'in', iIn)
      .execute(),
    ctx.db.selectFrom('installation_licences').selectAll().where('installation_id', 'in', iIn).execute(),
    ctx.db
      .selectFrom('check_status')
      .select(['subject_id', 'check_name', 'outcome', 'since', 'sampled_at'])
      .where('subject_kind', '=', 'installation')
      .where('subject_id', 'in', iIn)
      .execute(),
    ctx.db
      .selectFrom('check_events')
      .select(['subject_id', 'check_name', 'at', 'to_outcome'])
      .where('subject_kind', '=', 'installation')
      .where('subject_id', 'in', iIn)
      .where('at', '>', windowFrom)
      .where('at', '<=', now)
      .orderBy('at')
      .orderBy('id')
      .execute(),
    // The outcome of each check when the window opens: its last change before.
    ctx.db
      .selectFrom('check_events as e')
      .innerJoin(
        (eb) =>
          eb
            .selectFrom('check_events')
            .select(['subject_id', 'check_name', (x) => x.fn.max('id').as('last_id')])
            .where('subject_kind', '=', 'installation')
            .where('subject_id', 'in', iIn)
            .where('at', '<=', windowFrom)
            .groupBy(['subject_id', 'check_name'])
            .as('m'),
        (join) => join.onRef('m.last_id', '=', 'e.id'),
      )
      .select(['e.subject_id', 'e.check_name', 'e.at', 'e.to_outcome'])
      .execute(),
    ctx.db.selectFrom('online_state').selectAll().where('online_access_id', 'in', oIn).execute(),
    currentAvailability(ctx, 'installation', instIds, 'http200', now),
    currentAvailability(ctx, 'installation', instIds, 'tcp', now),
    currentAvailability(ctx, 'online', accIds, 'login', now),
    listAlerts(ctx, actor, { state: 'open', clientId, limit: 1000 }),
  ]);

  const openViews = alerts.items;
  const openCount = (kind: string, id: number) =>
    openViews.filter((v) => v.subject.kind === kind && v.subject.id === id).length;

  const verdictInstallations: VerdictInstallation[] = [];
  const installationsOut: InstallationOut[] = installations.map((i) => {
    const host = installationLabel(i);
    const ch = (name: string) => channels.find((c) => c.installation_id === i.id && c.channel === name);
    const sys = ch('sysinfo');
    const status = ch('status');
    const probeJob = jobs.find((j) => j.kind === PROBE_JOB && j.subject_id === i.id);
    const myChecks = checks.filter((c) => c.subject_id === i.id && !c.check_name.startsWith(STATE_PREFIX));
    const closed = i.kind === 'closed';
    const channelsOut: Channel[] = [
      {
        channel: 'sysinfo',
        lastAt: sys?.last_data_at ?? sys?.last_processed_at ?? null,
        expectedMs: closed ? null : (i.collect_interval_s > 0 ? i.collect_interval_s : 3600) * 1000,
      },
      {
        channel: 'status',
        lastAt: status?.last_data_at ?? status?.last_processed_at ?? null,
        expectedMs: closed ? null : STATUS_INTERVAL_S * 1000,
      },
    ];
    const probed =
      probeJob !== undefined || (i.kind === 'polled' && i.probe_enabled === 1 && i.address !== null);
    if (probed) {
      const sampled = myChecks.reduce<number | null>(
        (m, c) => (m === null || c.sampled_at > m ? c.sampled_at : m),
        null,
      );
      channelsOut.push({
        channel: 'probe',
        lastAt: probeJob?.last_finished_at ?? sampled,
        expectedMs: probeJob?.interval_ms ?? i.probe_interval_s * 1000,
      });
    }
    const state = states.find((s) => s.installation_id === i.id);
    const myOperups = operups
      .filter((o) => o.installation_id === i.id && o.modified_at !== null)
      .sort((a, b) => b.modified_at! - a.modified_at! || a.path.localeCompare(b.path));
    const newest = myOperups[0]?.modified_at ?? null;
    const operupAgeDays = newest === null ? null : Math.round(((now - newest) / DAY) * 10) / 10;
    const myLicences = licences
      .filter((l) => l.installation_id === i.id)
      .map((l) => {
        const base = l.name ?? l.product ?? l.db ?? 'Лицензия';
        return { name: l.db && base !== l.db ? `${base} (${l.db})` : base, expiresAt: l.expires_at };
      })
      .sort((a, b) => (a.expiresAt ?? Infinity) - (b.expiresAt ?? Infinity) || a.name.localeCompare(b.name));
    const atStart = new Map(
      before.filter((e) => e.subject_id === i.id).map((e) => [e.check_name, e.to_outcome] as const),
    );
    const timeline = timelineOf(
      windowFrom,
      now,
      myChecks.map((c) => ({ check: c.check_name, outcome: c.outcome, since: c.since })),
      atStart,
      events
        .filter((e) => e.subject_id === i.id && !e.check_name.startsWith(STATE_PREFIX))
        .map((e) => ({ check: e.check_name, at: e.at, outcome: e.to_outcome })),
    );
    verdictInstallations.push({
      id: i.id,
      host,
      kind: i.kind,
      channels: channelsOut,
      licenceExpiresAt: myLicences.find((l) => l.expiresAt !== null)?.expiresAt ?? null,
      operupAgeDays,
    });
    return {
      id: i.id,
      host,
      kind: i.kind,
      channels: channelsOut,
      pkVersion: state?.pk_version_short ?? state?.pk_version ?? null,
      sysinfoVersion: state?.sysinfo_version ?? null,
      regnum: state?.regnum ?? null,
      clientname: state?.client_name ?? null,
      seats: state?.seats ?? null,
      licencesInUse: state?.licences_in_use ?? null,
      operupAgeDays,
      updates: myOperups.slice(0, 5).map((o) => ({ name: o.path, modifiedAt: o.modified_at! })),
      licences: myLicences,
      availability30d: { http200: http.get(i.id) ?? null, tcp: tcp.get(i.id) ?? null },
      checks: myChecks
        .map((c) => ({ check: c.check_name, outcome: c.outcome, since: c.since }))
        .sort((a, b) => a.check.localeCompare(b.check)),
      timeline,
      openAlerts: openCount('installation', i.id),
    };
  });
  const accessesOut: AccessOut[] = accesses.map((a) => {
    const s = onlineStates.find((x) => x.online_access_id === a.id);
    const pct = (limit: number | null | undefined, remaining: number | null | undefined) =>
      limit === null || limit === undefined || remaining === null || remaining === undefined
        ? null
        : limit === 0
          ? 0
          : round2(((limit - remaining) / limit) * 100);
    return {
      id: a.id,
      login: a.login,
      host: a.host,
      catalog: a.folder,
      lastPollAt: s?.checked_at ?? null,
      ok: s ? s.ok === 1 : null,
      error: s?.error ?? null,
      docsRemaining: s?.docs_remaining ?? null,
      docsUsedPct: pct(s?.docs_limit, s?.docs_remaining),
      searchRemaining: s?.search_remaining ?? null,
      availability30d: login.get(a.id) ?? null,
      lastUsedAt: s?.last_used_at ?? null,
      openAlerts: openCount('online', a.id),
    };
  });

  const { verdict, reasons } = clientVerdict(
    {
      installations: verdictInstallations,
      onlineAccesses: accessesOut.map((a) => ({
        id: a.id,
        login: a.login,
        lastPollAt: a.lastPollAt,
        ok: a.ok,
        error: a.error,
      })),
      alerts: openViews,
    },
    now,
  );

  return {
    client: {
      id: client.id,
      shortName: client.shortName,
      name: client.legalName,
      dealerId: client.dealerId,
      unitId: client.unitId,
    },
    managers: managers.map((m) => ({
      id: Number(m.id),
      name: m.name,
      emails: JSON.parse(m.emails) as string[],
    })),
    verdict,
    reasons,
    installations: installationsOut,
    onlineAccesses: accessesOut,
    openAlerts: await emergencyRows(ctx, openViews),
  };
}
