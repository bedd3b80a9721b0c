/**
 * The managers' digests, queued as e-mails in the alerting outbox (`notifications`), so the
 * dispatcher delivers them with its retries and its log:
 * - weekly: the manager's clients whose band changed over the week, their upsell and churn signals,
 *   and their open incidents;
 * - morning: critical alerts of the manager's clients that were already firing at the end of the
 *   previous day and are still firing.
 * At most once per (dealer, kind, period, address): `health_digests` holds that key, written in the
 * same transaction as the notification, so two nodes or a re-run send nothing twice.
 */
import type { AppContext } from '../context.js';
import { alertDef } from '../alerts/catalogue.js';
import { zonedParts, zonedTimeToUtc } from '../alerts/suppression.js';
import { withTx } from '../db/tx.js';
import { localDate, type Signal } from './compute.js';
import { bandRank } from './score.js';
import type { HealthSettings } from './settings.js';

const DAY = 86_400_000;
const MAX_LINES = 50;

export const WEEKLY_DIGEST = 'ClientHealthWeeklyDigest';
export const MORNING_DIGEST = 'CriticalAlertsMorningDigest';

export const BAND_RU: Record<string, string> = {
  healthy: 'в норме',
  watch: 'внимание',
  risk: 'риск',
  critical: 'критично',
  nodata: 'нет данных',
};

interface ManagerTargets {
  id: number;
  name: string;
  emails: string[];
  clients: Map<number, string>;
}

async function managersOf(ctx: AppContext, dealerId: number): Promise<ManagerTargets[]> {
  const [managers, links] = await Promise.all([
    ctx.db
      .selectFrom('managers')
      .select(['id', 'name', 'emails'])
      .where('dealer_id', '=', dealerId)
      .orderBy('id')
      .execute(),
    ctx.db
      .selectFrom('client_managers as cm')
      .innerJoin('clients as c', 'c.id', 'cm.client_id')
      .select(['cm.manager_id', 'c.id', 'c.short_name'])
      .where('c.dealer_id', '=', dealerId)
      .execute(),
  ]);
  const out = managers.map((m) => ({
    id: m.id,
    name: m.name,
    emails: JSON.parse(m.emails) as string[],
    clients: new Map<number, string>(),
  }));
  const byId = new Map(out.map((m) => [m.id, m]));
  for (const l of links) byId.get(l.manager_id)?.clients.set(l.id, l.short_name);
  return out.filter((m) => m.emails.length > 0 && m.clients.size > 0);
}

/** ISO week of a local day, `2026-W48`. */
export function isoWeek(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  const dow = (d.getUTCDay() + 6) % 7;
  const thursday = new Date(d.getTime() + (3 - dow) * DAY);
  const year = thursday.getUTCFullYear();
  const jan1 = Date.UTC(year, 0, 1);
  const week = Math.floor((thursday.getTime() - jan1) / DAY / 7) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

async function queueOnce(
  ctx: AppContext,
  dealerId: number,
  kind: 'weekly' | 'morning',
  period: string,
  managerId: number,
  target: string,
  subject: string,
  body: string,
  items: number,
  now: number,
): Promise<boolean> {
  return withTx(ctx, async (db) => {
    const key = await db
      .insertInto('health_digests')
      .values({
        dealer_id: dealerId,
        kind,
        period,
        target,
        manager_id: managerId,
        notification_id: null,
        items,
        created_at: now,
      })
      .onConflict((oc) => oc.columns(['dealer_id', 'kind', 'period', 'target']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!key) return false;
    const n = await db
      .insertInto('notifications')
      .values({
        dealer_id: dealerId,
        group_id: null,
        channel_id: null,
        kind: 'email',
        target,
        alert_name: kind === 'weekly' ? WEEKLY_DIGEST : MORNING_DIGEST,
        reason: 'system',
        subject,
        body,
        payload: null,
        instance_count: items,
        status: 'queued',
        next_attempt_at: now,
        lease_owner: null,
        lease_until: null,
        created_at: now,
        sent_at: null,
        last_error: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.updateTable('health_digests').set({ notification_id: n.id }).where('id', '=', key.id).execute();
    return true;
  });
}

export interface WeeklyLine {
  clientId: number;
  client: string;
  bandFrom: string | null;
  bandTo: string;
  score: number | null;
  signals: Signal[];
  incidents: string[];
}

/** What the weekly digest of each manager says (pure read; nothing is sent). */
export async function weeklyDigestContent(
  ctx: AppContext,
  dealerId: number,
  today: string,
): Promise<{ manager: ManagerTargets; lines: WeeklyLine[] }[]> {
  const weekAgo = new Date(Date.parse(`${today}T00:00:00Z`) - 7 * DAY).toISOString().slice(0, 10);
  const rows = await ctx.db
    .selectFrom('client_health_daily')
    .select(['client_id', 'day', 'band', 'score', 'signals'])
    .where('dealer_id', '=', dealerId)
    .where('day', '>=', weekAgo)
    .where('day', '<=', today)
    .orderBy('day')
    .execute();
  const byClient = new Map<number, typeof rows>();
  for (const r of rows) byClient.set(r.client_id, [...(byClient.get(r.client_id) ?? []), r]);
  const open = await ctx.db
    .selectFrom('alert_instances')
    .select(['client_id', 'name', 'text'])
    .where('dealer_id', '=', dealerId)
    .where('state', '=', 'firing')
    .where('resolved_at', 'is', null)
    .where('client_id', 'is not', null)
    .orderBy('fired_at')
    .execute();
  const incidents = new Map<number, string[]>();
  for (const a of open)
    incidents.set(a.client_id!, [...(incidents.get(a.client_id!) ?? []), `${a.name}: ${a.text}`]);

  const out: { manager: ManagerTargets; lines: WeeklyLine[] }[] = [];
  for (const m of await managersOf(ctx, dealerId)) {
    const lines: WeeklyLine[] = [];
    for (const [clientId, client] of m.clients) {
      const hist = byClient.get(clientId) ?? [];
      const last = hist[hist.length - 1];
      const first = hist[0];
      const signals = new Map<string, Signal>();
      for (const h of hist)
        for (const s of JSON.parse(h.signals) as Signal[])
          if (s.kind === 'upsell' || s.kind === 'churn' || s.kind === 'early-exhaustion')
            signals.set(s.kind, s);
      const changed = last && first && first.day < last.day && first.band !== last.band;
      const inc = incidents.get(clientId) ?? [];
      if (!changed && signals.size === 0 && inc.length === 0) continue;
      lines.push({
        clientId,
        client,
        bandFrom: changed ? first.band : null,
        bandTo: last?.band ?? 'nodata',
        score: last?.score ?? null,
        signals: [...signals.values()],
        incidents: inc,
      });
    }
    // Worst first: a band that fell, then churn, then the rest by name.
    lines.sort(
      (a, b) =>
        bandRank(b.bandTo) - bandRank(a.bandTo) ||
        Number(b.signals.some((s) => s.kind === 'churn')) -
          Number(a.signals.some((s) => s.kind === 'churn')) ||
        a.client.localeCompare(b.client),
    );
    if (lines.length) out.push({ manager: m, lines });
  }
  return out;
}

function weeklyBody(manager: string, week: string, lines: WeeklyLine[]): string {
  const text: string[] = [`${manager}, сводка по вашим клиентам за неделю ${week}.`, ''];
  const section = (title: string, list: string[]) => {
    if (list.length === 0) return;
    text.push(title, ...list.slice(0, MAX_LINES).map((l) => `  • ${l}`));
    if (list.length > MAX_LINES) text.push(`  … и ещё ${list.length - MAX_LINES}`);
    text.push('');
  };
  section(
    'Изменилась оценка:',
    lines
      .filter((l) => l.bandFrom !== null)
      .map((l) => `${l.client}: ${BAND_RU[l.bandFrom!]} → ${BAND_RU[l.bandTo]} (${l.score ?? '—'})`),
  );
  section(
    'Сигналы допродажи:',
    lines.flatMap((l) => l.signals.filter((s) => s.kind !== 'churn').map((s) => `${l.client}: ${s.text}`)),
  );
  section(
    'Риск ухода:',
    lines.flatMap((l) => l.signals.filter((s) => s.kind === 'churn').map((s) => `${l.client}: ${s.text}`)),
  );
  section(
    'Открытые инциденты:',
    lines.flatMap((l) => l.incidents.map((i) => `${l.client}: ${i}`)),
  );
  return text.join('\n').trimEnd() + '\n';
}

/** Queues this week's digest for every manager with something to report; returns how many were queued. */
export async function sendWeeklyDigests(
  ctx: AppContext,
  dealerId: number,
  settings: HealthSettings,
  now: number,
): Promise<number> {
  const { day } = localDate(now, settings.timeZone);
  const week = isoWeek(day);
  let sent = 0;
  for (const { manager, lines } of await weeklyDigestContent(ctx, dealerId, day)) {
    const body = weeklyBody(manager.name, week, lines);
    for (const email of manager.emails) {
      const ok = await queueOnce(
        ctx,
        dealerId,
        'weekly',
        week,
        manager.id,
        email,
        `[SMART] Клиенты за неделю ${week}: ${lines.length}`,
        body,
        lines.length,
        now,
      );
      if (ok) sent++;
    }
  }
  return sent;
}

/**
 * Queues the morning digest: critical alerts of each manager's clients firing since before local
 * midnight (left unresolved overnight) and still firing now.
 */
export async function sendMorningDigests(
  ctx: AppContext,
  dealerId: number,
  settings: HealthSettings,
  now: number,
): Promise<number> {
  const p = zonedParts(now, settings.timeZone);
  const { day } = localDate(now, settings.timeZone);
  const midnight = zonedTimeToUtc(p.y, p.mo, p.d, 0, 0, settings.timeZone);
  const firing = await ctx.db
    .selectFrom('alert_instances')
    .select(['client_id', 'name', 'text', 'fired_at'])
    .where('dealer_id', '=', dealerId)
    .where('state', '=', 'firing')
    .where('resolved_at', 'is', null)
    .where('client_id', 'is not', null)
    .where('fired_at', '<', midnight)
    .orderBy('fired_at')
    .execute();
  const critical = firing.filter((a) => alertDef(a.name)?.importance === 'critical');
  if (critical.length === 0) return 0;
  let sent = 0;
  for (const m of await managersOf(ctx, dealerId)) {
    const mine = critical.filter((a) => m.clients.has(a.client_id!));
    if (mine.length === 0) continue;
    const lines = mine.map((a) => {
      const since = new Date(a.fired_at!).toISOString().slice(0, 16).replace('T', ' ');
      return `${m.clients.get(a.client_id!)}: ${a.name} — ${a.text} (с ${since} UTC)`;
    });
    const body =
      [
        `${m.name}, критические алерты ваших клиентов не закрыты с вечера:`,
        '',
        ...lines.slice(0, MAX_LINES).map((l) => `  • ${l}`),
        ...(lines.length > MAX_LINES ? [`  … и ещё ${lines.length - MAX_LINES}`] : []),
      ].join('\n') + '\n';
    for (const email of m.emails) {
      const ok = await queueOnce(
        ctx,
        dealerId,
        'morning',
        day,
        m.id,
        email,
        `[SMART] Не закрыто за ночь: ${mine.length} критических`,
        body,
        mine.length,
        now,
      );
      if (ok) sent++;
    }
  }
  return sent;
}
