/**
 * The alert engine: turns the rules' conditions into alert instances and their transitions
 * (inactive → pending → firing → resolved), applies hysteresis and inhibition, keeps the …Count
 * siblings, and hands every firing/resolved transition to routing. The same function serves the
 * event path (one subject, right after its data arrived) and the scheduled pass (all subjects of a
 * dealer, for time-based rules); both are idempotent, so running them twice changes nothing.
 */
import type { Selectable } from 'kysely';
import type { AppContext } from '../context.js';
import type { Db } from '../db/database.js';
import type { AlertInstancesTable } from '../db/schema.js';
import { withTx } from '../db/tx.js';
import { alertDef, requireAlertDef } from './catalogue.js';
import { loadInstallationFacts, loadOnlineFacts } from './facts.js';
import { enqueueForReceivers } from './outbox.js';
import { loadDealerRouting, receiversFor, type DealerRouting } from './routing.js';
import { evaluateInstallation, evaluateOnline } from './rules/index.js';
import { COUNTED, dealerAlertSettings, type DealerAlertSettings } from './settings.js';
import type { Condition, SubjectFacts } from './types.js';

export type AlertInstanceRow = Selectable<AlertInstancesTable>;
export type SubjectKind = 'installation' | 'online';

export interface EvaluationResult {
  subjects: number;
  transitions: number;
  /** Something changed state (the dispatcher is kicked). */
  changed: boolean;
}

const MAX_TEXT = 2_000;
const COUNT_LIST = 30;

export function fingerprintOf(kind: string, id: number, key?: string): string {
  return key ? `${kind}:${id}:${key}` : `${kind}:${id}`;
}

function baseLabels(f: SubjectFacts): Record<string, string> {
  const common = { dealer: f.dealerCode, client: f.clientName, client_id: String(f.clientId) };
  const unit: Record<string, string> = f.unitId === null ? {} : { unit: String(f.unitId) };
  if (f.kind === 'installation') {
    return {
      ...common,
      ...unit,
      installation: String(f.id),
      host: f.host,
      ...(f.state?.legalName ? { clientname: f.state.legalName } : {}),
      ...(f.state?.regnum ? { regnum: f.state.regnum } : {}),
    };
  }
  return { ...common, ...unit, online: String(f.id), user: f.login, url: f.url, catalog: f.folder };
}

/** Evaluates the given subjects now. */
export async function evaluateSubjects(
  ctx: AppContext,
  subjects: { installations?: number[]; online?: number[] },
  now = ctx.clock.now(),
): Promise<EvaluationResult> {
  const facts: SubjectFacts[] = [];
  if (subjects.installations?.length)
    facts.push(...(await loadInstallationFacts(ctx, subjects.installations, now)));
  if (subjects.online?.length) facts.push(...(await loadOnlineFacts(ctx, subjects.online, now)));
  const byDealer = new Map<number, SubjectFacts[]>();
  for (const f of facts) byDealer.set(f.dealerId, [...(byDealer.get(f.dealerId) ?? []), f]);
  // Subjects asked for but gone (deleted): their open instances resolve.
  const found = new Set(facts.map((f) => `${f.kind}:${f.id}`));
  const gone = [
    ...(subjects.installations ?? [])
      .filter((id) => !found.has(`installation:${id}`))
      .map((id) => ['installation', id] as const),
    ...(subjects.online ?? [])
      .filter((id) => !found.has(`online:${id}`))
      .map((id) => ['online', id] as const),
  ];
  let transitions = 0;
  for (const [dealerId, list] of byDealer) transitions += await evaluateDealerFacts(ctx, dealerId, list, now);
  for (const [kind, id] of gone) transitions += await resolveSubject(ctx, kind, id, now, 'subject removed');
  return { subjects: facts.length, transitions, changed: transitions > 0 };
}

/** The scheduled pass over a whole dealer; also resolves what belongs to deleted objects. */
export async function evaluateDealer(
  ctx: AppContext,
  dealerId: number,
  now = ctx.clock.now(),
): Promise<EvaluationResult> {
  const [insts, onl, openSubjects] = await Promise.all([
    ctx.db.selectFrom('installations').select('id').where('dealer_id', '=', dealerId).execute(),
    ctx.db.selectFrom('online_accesses').select('id').where('dealer_id', '=', dealerId).execute(),
    ctx.db
      .selectFrom('alert_instances')
      .select(['subject_kind', 'subject_id'])
      .distinct()
      .where('dealer_id', '=', dealerId)
      .where('resolved_at', 'is', null)
      .where('subject_kind', 'in', ['installation', 'online'])
      .execute(),
  ]);
  const installations = new Set(insts.map((r) => r.id));
  const online = new Set(onl.map((r) => r.id));
  for (const s of openSubjects)
    (s.subject_kind === 'installation' ? installations : online).add(s.subject_id);
  const r = await evaluateSubjects(ctx, { installations: [...installations], online: [...online] }, now);
  const settings = await dealerAlertSettings(ctx, dealerId);
  const counts = await withTx(ctx, (db) => updateCounts(db, dealerId, COUNTED, now, settings));
  return { ...r, transitions: r.transitions + counts, changed: r.changed || counts > 0 };
}

interface Plan {
  inserts: { cond: Condition; facts: SubjectFacts; state: 'pending' | 'firing' }[];
  updates: { row: AlertInstanceRow; set: Partial<AlertInstanceRow>; to?: string; reason?: string }[];
}

async function evaluateDealerFacts(
  ctx: AppContext,
  dealerId: number,
  list: SubjectFacts[],
  now: number,
): Promise<number> {
  const settings = await dealerAlertSettings(ctx, dealerId);
  const params = (name: string) => settings.params(name);
  const conditions = new Map<string, Condition[]>();
  for (const f of list) {
    const conds =
      f.kind === 'installation' ? evaluateInstallation(f, now, params) : evaluateOnline(f, now, params);
    conditions.set(
      `${f.kind}:${f.id}`,
      conds.filter((c) => settings.enabled(c.name)),
    );
  }
  return withTx(ctx, async (db) => {
    const open = await loadOpen(db, list);
    const routing = await loadDealerRouting(db, dealerId);
    const emails = await managerEmails(db, list);
    let transitions = 0;
    const touchedNames = new Set<string>();
    for (const f of list) {
      const key = `${f.kind}:${f.id}`;
      const plan = planSubject(f, conditions.get(key) ?? [], open.get(key) ?? [], settings, now);
      transitions += await applyPlan(
        db,
        f,
        plan,
        settings,
        routing,
        emails.get(key) ?? [],
        now,
        touchedNames,
      );
    }
    if (touchedNames.size > 0)
      transitions += await updateCounts(db, dealerId, [...touchedNames], now, settings);
    return transitions;
  });
}

async function loadOpen(db: Db, list: SubjectFacts[]): Promise<Map<string, AlertInstanceRow[]>> {
  const out = new Map<string, AlertInstanceRow[]>();
  for (const kind of ['installation', 'online'] as const) {
    const ids = list.filter((f) => f.kind === kind).map((f) => f.id);
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await db
        .selectFrom('alert_instances')
        .selectAll()
        .where('subject_kind', '=', kind)
        .where('subject_id', 'in', ids.slice(i, i + 500))
        .where('resolved_at', 'is', null)
        .execute();
      for (const r of rows) {
        const k = `${kind}:${r.subject_id}`;
        out.set(k, [...(out.get(k) ?? []), r]);
      }
    }
  }
  return out;
}

async function managerEmails(db: Db, list: SubjectFacts[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const inst = list.filter((f) => f.kind === 'installation').map((f) => f.id);
  const onl = list.filter((f) => f.kind === 'online').map((f) => f.id);
  const add = (k: string, e: string) => {
    const l = out.get(k) ?? [];
    if (e && !l.includes(e)) l.push(e);
    out.set(k, l);
  };
  for (let i = 0; i < inst.length; i += 500) {
    const rows = await db
      .selectFrom('installation_managers')
      .select(['installation_id', 'email'])
      .where('installation_id', 'in', inst.slice(i, i + 500))
      .execute();
    for (const r of rows) add(`installation:${r.installation_id}`, r.email);
  }
  for (let i = 0; i < onl.length; i += 500) {
    const rows = await db
      .selectFrom('online_access_managers')
      .select(['online_access_id', 'email'])
      .where('online_access_id', 'in', onl.slice(i, i + 500))
      .execute();
    for (const r of rows) add(`online:${r.online_access_id}`, r.email);
  }
  return out;
}

/** Pure: what changes for one subject. */
export function planSubject(
  f: SubjectFacts,
  conds: Condition[],
  open: AlertInstanceRow[],
  settings: DealerAlertSettings,
  now: number,
): Plan {
  const plan: Plan = { inserts: [], updates: [] };
  const openBy = new Map(open.map((r) => [`${r.name}\u0000${r.fingerprint}`, r]));
  const seen = new Set<string>();
  for (const c of conds) {
    const fp = fingerprintOf(f.kind, f.id, c.key);
    const k = `${c.name}\u0000${fp}`;
    if (seen.has(k)) continue;
    seen.add(k);
    const row = openBy.get(k);
    const forMs = settings.forMs(c.name);
    const since = Math.min(c.since ?? now, now);
    const text = c.text.slice(0, MAX_TEXT);
    if (!row) {
      plan.inserts.push({
        cond: { ...c, text },
        facts: f,
        state: forMs <= 0 || now - since >= forMs ? 'firing' : 'pending',
      });
      continue;
    }
    const set: Partial<AlertInstanceRow> = {
      last_eval_at: now,
      text,
      value: c.value ?? null,
      filename: c.filename ?? null,
    };
    if (row.clear_since !== null) set.clear_since = null;
    if (row.state === 'pending' && now - row.active_since >= forMs) {
      plan.updates.push({
        row,
        set: { ...set, state: 'firing', fired_at: now },
        to: 'firing',
        reason: 'for elapsed',
      });
    } else {
      plan.updates.push({ row, set });
    }
  }
  for (const row of open) {
    if (seen.has(`${row.name}\u0000${row.fingerprint}`)) continue;
    if (row.state === 'pending') {
      plan.updates.push({
        row,
        set: { state: 'resolved', resolved_at: now, last_eval_at: now },
        to: 'resolved',
        reason: 'cleared before firing',
      });
      continue;
    }
    const keep = alertDef(row.name) ? settings.keepFiringForMs(row.name) : 0;
    const clearSince = row.clear_since ?? now;
    if (keep > 0 && now - clearSince < keep) {
      if (row.clear_since === null) plan.updates.push({ row, set: { clear_since: now, last_eval_at: now } });
      continue;
    }
    plan.updates.push({
      row,
      set: { state: 'resolved', resolved_at: now, last_eval_at: now },
      to: 'resolved',
      reason: keep > 0 ? 'clear for the hysteresis time' : 'condition cleared',
    });
  }
  return plan;
}

async function applyPlan(
  db: Db,
  f: SubjectFacts,
  plan: Plan,
  settings: DealerAlertSettings,
  routing: DealerRouting,
  emails: string[],
  now: number,
  touched: Set<string>,
): Promise<number> {
  let transitions = 0;
  const notify = async (row: Pick<AlertInstanceRow, 'id' | 'name' | 'labels' | 'unit_id'>) => {
    touched.add(row.name);
    const receivers = receiversFor(routing, {
      name: row.name,
      labels: JSON.parse(row.labels) as Record<string, string>,
      unitId: row.unit_id,
      managerEmails: emails,
    });
    await enqueueForReceivers(db, f.dealerId, row.name, row.id, receivers, settings.timings(row.name), now);
  };
  for (const ins of plan.inserts) {
    const c = ins.cond;
    const labels = { ...baseLabels(f), ...(c.labels ?? {}), alertname: c.name };
    const since = Math.min(c.since ?? now, now);
    const inserted = await db
      .insertInto('alert_instances')
      .values({
        dealer_id: f.dealerId,
        name: c.name,
        fingerprint: fingerprintOf(f.kind, f.id, c.key),
        subject_kind: f.kind,
        subject_id: f.id,
        client_id: f.clientId,
        unit_id: f.unitId,
        labels: JSON.stringify(labels),
        text: c.text,
        value: c.value ?? null,
        filename: c.filename ?? null,
        state: ins.state,
        active_since: since,
        pending_at: now,
        fired_at: ins.state === 'firing' ? now : null,
        resolved_at: null,
        clear_since: null,
        last_eval_at: now,
        inhibited_by: null,
        acked_at: null,
        acked_by: null,
      })
      .onConflict((oc) =>
        oc.columns(['dealer_id', 'name', 'fingerprint']).where('resolved_at', 'is', null).doNothing(),
      )
      .returning(['id', 'name', 'labels', 'unit_id'])
      .executeTakeFirst();
    if (!inserted) continue; // another node opened it first
    await db
      .insertInto('alert_transitions')
      .values({
        instance_id: inserted.id,
        dealer_id: f.dealerId,
        at: now,
        from_state: null,
        to_state: ins.state,
        reason: 'condition',
      })
      .execute();
    transitions += 1;
    if (ins.state === 'firing') await notify(inserted);
  }
  for (const u of plan.updates) {
    let q = db.updateTable('alert_instances').set(u.set).where('id', '=', u.row.id);
    if (u.to) q = q.where('state', '=', u.row.state);
    const res = await q.executeTakeFirst();
    if (!u.to || Number(res.numUpdatedRows) === 0) continue;
    await db
      .insertInto('alert_transitions')
      .values({
        instance_id: u.row.id,
        dealer_id: f.dealerId,
        at: now,
        from_state: u.row.state,
        to_state: u.to,
        reason: u.reason ?? null,
      })
      .execute();
    transitions += 1;
    // A pending instance that clears was never announced; everything else is.
    if (u.to === 'firing' || (u.to === 'resolved' && u.row.state === 'firing')) await notify(u.row);
  }
  await applyInhibition(db, f, now, touched);
  return transitions;
}

/**
 * Marks instances inhibited by a firing alert of the same subject (or a maintenance, even pending).
 * A name whose inhibition changed is `touched`: its Count sibling counts only uninhibited instances.
 */
async function applyInhibition(db: Db, f: SubjectFacts, now: number, touched: Set<string>): Promise<void> {
  const rows = await db
    .selectFrom('alert_instances')
    .select(['id', 'name', 'state', 'inhibited_by'])
    .where('subject_kind', '=', f.kind)
    .where('subject_id', '=', f.id)
    .where('resolved_at', 'is', null)
    .execute();
  const active = new Set(
    rows.filter((r) => r.state === 'firing' || r.name === 'KodeksMaintenance').map((r) => r.name),
  );
  for (const r of rows) {
    const by = requireAlertDef(r.name).inhibitedBy?.find((n) => active.has(n)) ?? null;
    if (by !== r.inhibited_by) {
      await db
        .updateTable('alert_instances')
        .set({ inhibited_by: by, last_eval_at: now })
        .where('id', '=', r.id)
        .execute();
      if (r.state === 'firing') touched.add(r.name);
    }
  }
}

async function resolveSubject(
  ctx: AppContext,
  kind: SubjectKind,
  id: number,
  now: number,
  reason: string,
): Promise<number> {
  return withTx(ctx, async (db) => {
    const rows = await db
      .selectFrom('alert_instances')
      .selectAll()
      .where('subject_kind', '=', kind)
      .where('subject_id', '=', id)
      .where('resolved_at', 'is', null)
      .execute();
    for (const r of rows) {
      await db
        .updateTable('alert_instances')
        .set({ state: 'resolved', resolved_at: now, last_eval_at: now })
        .where('id', '=', r.id)
        .execute();
      await db
        .insertInto('alert_transitions')
        .values({
          instance_id: r.id,
          dealer_id: r.dealer_id,
          at: now,
          from_state: r.state,
          to_state: 'resolved',
          reason,
        })
        .execute();
      // The receivers already told about it hear that it is over.
      await db
        .updateTable('notify_groups')
        .set({ next_flush_at: now })
        .where('id', 'in', db.selectFrom('notify_members').select('group_id').where('instance_id', '=', r.id))
        .where('next_flush_at', 'is', null)
        .execute();
    }
    return rows.length;
  });
}

/**
 * Keeps the `…Count` siblings of a dealer true: NAMECount fires while more than the threshold of NAME
 * instances fire in the dealer, and lists them. Inhibited instances do not count (as in the Telegram
 * Count form): their root cause is another alert of the same object, whose own Count speaks for them —
 * eleven closed ports are KodeksTcpStatusCount, not KodeksHttp200StatusCount as well. It is shown in the
 * API; messages in Telegram take its form in the dispatcher (see docs/alerts.md).
 */
export async function updateCounts(
  db: Db,
  dealerId: number,
  names: string[],
  now: number,
  settings: DealerAlertSettings,
): Promise<number> {
  let transitions = 0;
  const bases = names.filter((n) => COUNTED.includes(n));
  if (bases.length === 0) return 0;
  const dealer = await db.selectFrom('dealers').select('code').where('id', '=', dealerId).executeTakeFirst();
  if (!dealer) return 0;
  for (const base of bases) {
    const countName = `${base}Count`;
    const firing = await db
      .selectFrom('alert_instances')
      .select(['labels'])
      .where('dealer_id', '=', dealerId)
      .where('name', '=', base)
      .where('state', '=', 'firing')
      .where('inhibited_by', 'is', null)
      .execute();
    const threshold = settings.countThreshold(base) ?? Infinity;
    const open = await db
      .selectFrom('alert_instances')
      .selectAll()
      .where('dealer_id', '=', dealerId)
      .where('name', '=', countName)
      .where('resolved_at', 'is', null)
      .executeTakeFirst();
    const active = settings.enabled(countName) && firing.length > threshold;
    if (active) {
      const objects = firing.map((r) => {
        const l = JSON.parse(r.labels) as Record<string, string>;
        return l.host ?? l.url ?? l.client ?? '?';
      });
      const text = `${firing.length} объектов: ${objects.slice(0, COUNT_LIST).join(', ')}${objects.length > COUNT_LIST ? ', …' : ''}`;
      if (open) {
        await db
          .updateTable('alert_instances')
          .set({ value: firing.length, text, last_eval_at: now })
          .where('id', '=', open.id)
          .execute();
        continue;
      }
      const opened = await openDealerAlert(db, {
        dealerId,
        name: countName,
        key: undefined,
        labels: { dealer: dealer.code, alertname: countName, count_of: base },
        text,
        value: firing.length,
        reason: `${firing.length} > ${threshold}`,
        now,
      });
      if (opened !== null) transitions += 1;
    } else if (open) {
      await db
        .updateTable('alert_instances')
        .set({ state: 'resolved', resolved_at: now, last_eval_at: now, value: firing.length })
        .where('id', '=', open.id)
        .execute();
      await db
        .insertInto('alert_transitions')
        .values({
          instance_id: open.id,
          dealer_id: dealerId,
          at: now,
          from_state: 'firing',
          to_state: 'resolved',
          reason: `${firing.length} ≤ ${threshold}`,
        })
        .execute();
      transitions += 1;
    }
  }
  return transitions;
}

/**
 * Opens a firing dealer-level instance (a `…Count` sibling, a delivery failure) with its transition;
 * returns its id, or null when one is already open (another evaluation or node was first).
 */
export async function openDealerAlert(
  db: Db,
  a: {
    dealerId: number;
    name: string;
    key: string | undefined;
    labels: Record<string, string>;
    text: string;
    value: number | null;
    reason: string;
    now: number;
  },
): Promise<number | null> {
  const inserted = await db
    .insertInto('alert_instances')
    .values({
      dealer_id: a.dealerId,
      name: a.name,
      fingerprint: fingerprintOf('dealer', a.dealerId, a.key),
      subject_kind: 'dealer',
      subject_id: a.dealerId,
      client_id: null,
      unit_id: null,
      labels: JSON.stringify(a.labels),
      text: a.text.slice(0, MAX_TEXT),
      value: a.value,
      filename: null,
      state: 'firing',
      active_since: a.now,
      pending_at: a.now,
      fired_at: a.now,
      resolved_at: null,
      clear_since: null,
      last_eval_at: a.now,
      inhibited_by: null,
      acked_at: null,
      acked_by: null,
    })
    .onConflict((oc) =>
      oc.columns(['dealer_id', 'name', 'fingerprint']).where('resolved_at', 'is', null).doNothing(),
    )
    .returning('id')
    .executeTakeFirst();
  if (!inserted) return null;
  await db
    .insertInto('alert_transitions')
    .values({
      instance_id: inserted.id,
      dealer_id: a.dealerId,
      at: a.now,
      from_state: null,
      to_state: 'firing',
      reason: a.reason.slice(0, 500),
    })
    .execute();
  return inserted.id;
}
