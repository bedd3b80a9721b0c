/**
 * The read side of alerting for the API and the CLI: alert instances (current and history) with what
 * suppresses them now, one instance with its transitions and the messages sent about it, the
 * acknowledgement, the catalogue with a dealer's effective settings, and the delivery log.
 *
 * Every query filters by the actor's scope in SQL. Instances of an object follow its client
 * (`clientVisible`); dealer-level instances (the `…Count` siblings, SmartNotificationFailed) are seen
 * only by dealer-wide scopes (operator, dealer-admin, and heads or viewers without a unit). The delivery
 * log is dealer-wide too, except what was sent to people the caller oversees (see `notificationVisible`).
 */
import { sql, type Expression, type SqlBool } from 'kysely';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import type { Db } from '../db/database.js';
import { withTx } from '../db/tx.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../lib/errors.js';
import { audit } from '../tenancy/audit.js';
import { getDealer } from '../tenancy/dealers.js';
import {
  canWrite,
  clientVisible,
  dealerVisible,
  managerVisible,
  scopeDealerId,
  type Actor,
  type Scope,
} from '../tenancy/scope.js';
import {
  ALERT_CATEGORIES,
  CATALOGUE,
  DEFAULT_TIMINGS,
  IMPORTANCES,
  PRIORITIES,
  alertDef,
  countSiblingOf,
  type AlertCategory,
  type AlertClass,
  type AlertSource,
  type AlertSubject,
  type GroupTimings,
  type Importance,
  type Priority,
} from './catalogue.js';
import { runbookUrl } from './messages.js';
import { settingsFrom, type AlertOverride } from './settings.js';
import { loadSuppressions, suppressionOf, type Suppressions } from './suppression.js';

const TRUE = sql<SqlBool>`1 = 1`;
const Id = z.number().int().positive();
/** Milliseconds since 1970-01-01 UTC. */
export const Ms = z.number().int().min(0).max(8.64e15);

/** A catalogue name or alias (resolved to the catalogue name by the services). */
export const KnownAlertName = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .superRefine((v, c) => {
    if (!alertDef(v))
      c.addIssue({ code: 'custom', message: `unknown alert ${v} (see /api/alert-catalogue)` });
  });

/** The catalogue name of a name or alias the caller gave; unknown names are not found. */
export function primaryName(name: string): string {
  const d = alertDef(name.trim());
  if (!d) throw new NotFoundError(`alert ${name.slice(0, 100)}`);
  return d.name;
}

/** A dealer the actor may see: the given one, or their own. The operator must name one. */
export async function dealerOf(ctx: AppContext, actor: Actor, given: number | undefined): Promise<number> {
  const id = given ?? scopeDealerId(actor.scope);
  if (id === null) throw ValidationError.about('dealerId', 'required, because you belong to no dealer');
  await getDealer(ctx, actor, id);
  return id;
}

/**
 * Raises a validation error about one input field, the same way a schema would: the HTTP layer answers
 * 400 naming `body.<field>`, the CLI names the option.
 */
export function invalid(path: (string | number)[], message: string): never {
  throw new z.ZodError([{ code: 'custom', path, message, input: undefined }]);
}

// ---- alert instances ----

export const ALERT_STATES = ['pending', 'firing', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];
export const ALERT_STATE_FILTERS = ['open', 'pending', 'firing', 'resolved', 'all'] as const;

export const ListAlertsQuery = z
  .object({
    /** open = pending + firing (the default). */
    state: z.enum(ALERT_STATE_FILTERS).default('open'),
    names: z.array(KnownAlertName).max(200).optional(),
    priorities: z.array(z.enum(PRIORITIES)).max(5).optional(),
    importance: z.array(z.enum(IMPORTANCES)).max(2).optional(),
    categories: z.array(z.enum(ALERT_CATEGORIES)).max(20).optional(),
    dealerId: Id.optional(),
    clientId: Id.optional(),
    installationId: Id.optional(),
    onlineAccessId: Id.optional(),
    /** Instances alive at some time in from…to: pending_at ≤ to and (open or resolved_at ≥ from). */
    from: Ms.optional(),
    to: Ms.optional(),
    limit: z.number().int().min(1).max(1000).default(100),
    offset: z.number().int().min(0).max(1_000_000_000).default(0),
  })
  .strict();
export type ListAlertsQuery = z.input<typeof ListAlertsQuery>;

export interface AlertView {
  id: number;
  dealerId: number;
  name: string;
  state: AlertState;
  /** Null only for an instance whose name has left the catalogue. */
  priority: Priority | null;
  importance: Importance | null;
  category: AlertCategory | null;
  class: AlertClass | null;
  subject: { kind: string; id: number };
  labels: Record<string, string>;
  text: string;
  value: number | null;
  filename: string | null;
  /** When the condition began (may precede firstSeenAt). */
  activeSince: number;
  /** When SMART first saw it (pending_at). */
  firstSeenAt: number;
  firedAt: number | null;
  resolvedAt: number | null;
  lastEvaluatedAt: number;
  /** The alert of the same object that inhibits this one. */
  inhibitedBy: string | null;
  /** Why nobody is told now: `silence:ID`, `maintenance:ID`, `inhibited:NAME`; null when not suppressed. */
  suppressedBy: string | null;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  client: { id: number; name: string } | null;
  /** Names of the client's managers. */
  managers: string[];
  /** The runbook, relative to the server: `/docs/errors/NAME.md`. */
  runbookUrl: string;
}

/** Instances the scope may see (see the module comment). */
export function alertVisible(scope: Scope, alias: string): Expression<SqlBool> {
  const client = `${alias}.client_id`;
  const dealer = `${alias}.dealer_id`;
  switch (scope.kind) {
    case 'all':
      return TRUE;
    case 'dealer':
      return sql<SqlBool>`(${sql.ref(dealer)} = ${scope.dealerId} and (${sql.ref(client)} is null or ${clientVisible(scope, client)}))`;
    default:
      return sql<SqlBool>`(${sql.ref(client)} is not null and ${clientVisible(scope, client)})`;
  }
}

/** K1 first: the catalogue's priority of a name, as a rank for ORDER BY. */
function priorityRank(column: string) {
  const whens = PRIORITIES.map((p, i) => {
    const names = CATALOGUE.filter((d) => d.priority === p).map((d) => d.name);
    return sql`when ${sql.ref(column)} in (${sql.join(names)}) then ${sql.lit(i + 1)}`;
  });
  return sql<number>`case ${sql.join(whens, sql` `)} else ${sql.lit(9)} end`;
}

/** The names a query's name, priority, importance and category filters leave; null = no filter. */
function nameFilter(q: z.output<typeof ListAlertsQuery>): string[] | null {
  let names: Set<string> | null = null;
  const keep = (list: string[]) => {
    const prev = names;
    names = new Set(prev === null ? list : list.filter((n) => prev.has(n)));
  };
  if (q.names) keep(q.names.map(primaryName));
  if (q.priorities) keep(CATALOGUE.filter((d) => q.priorities!.includes(d.priority)).map((d) => d.name));
  if (q.importance) keep(CATALOGUE.filter((d) => q.importance!.includes(d.importance)).map((d) => d.name));
  if (q.categories) keep(CATALOGUE.filter((d) => q.categories!.includes(d.category)).map((d) => d.name));
  return names === null ? null : [...(names as Set<string>)];
}

type InstanceRow = {
  id: number;
  dealer_id: number;
  name: string;
  subject_kind: string;
  subject_id: number;
  client_id: number | null;
  unit_id: number | null;
  labels: string;
  text: string;
  value: number | null;
  filename: string | null;
  state: string;
  active_since: number;
  pending_at: number;
  fired_at: number | null;
  resolved_at: number | null;
  last_eval_at: number;
  inhibited_by: string | null;
  acked_at: number | null;
  acked_by: string | null;
  client_name: string | null;
};

function instances(db: Db, actor: Actor) {
  return db
    .selectFrom('alert_instances as ai')
    .leftJoin('clients as c', 'c.id', 'ai.client_id')
    .select([
      'ai.id',
      'ai.dealer_id',
      'ai.name',
      'ai.subject_kind',
      'ai.subject_id',
      'ai.client_id',
      'ai.unit_id',
      'ai.labels',
      'ai.text',
      'ai.value',
      'ai.filename',
      'ai.state',
      'ai.active_since',
      'ai.pending_at',
      'ai.fired_at',
      'ai.resolved_at',
      'ai.last_eval_at',
      'ai.inhibited_by',
      'ai.acked_at',
      'ai.acked_by',
      'c.short_name as client_name',
    ])
    .where(alertVisible(actor.scope, 'ai'));
}

/** Views of rows: labels parsed, managers and the suppression of open instances looked up. */
async function toViews(ctx: AppContext, rows: InstanceRow[], now: number): Promise<AlertView[]> {
  const clientIds = [...new Set(rows.map((r) => r.client_id).filter((x): x is number => x !== null))];
  const managers = new Map<number, string[]>();
  for (let i = 0; i < clientIds.length; i += 500) {
    const links = await ctx.db
      .selectFrom('client_managers as cm')
      .innerJoin('managers as m', 'm.id', 'cm.manager_id')
      .select(['cm.client_id', 'm.name'])
      .where('cm.client_id', 'in', clientIds.slice(i, i + 500))
      .execute();
    for (const l of links) managers.set(l.client_id, [...(managers.get(l.client_id) ?? []), l.name]);
  }
  const suppressions = new Map<number, Suppressions>();
  for (const dealerId of new Set(rows.filter((r) => r.resolved_at === null).map((r) => r.dealer_id))) {
    suppressions.set(dealerId, await loadSuppressions(ctx.db, dealerId, now));
  }
  return rows.map((r) => {
    const def = alertDef(r.name);
    const labels = JSON.parse(r.labels) as Record<string, string>;
    const s = suppressions.get(r.dealer_id);
    const suppressedBy =
      r.resolved_at !== null
        ? null
        : ((s
            ? suppressionOf(
                s,
                {
                  name: r.name,
                  labels,
                  subjectKind: r.subject_kind,
                  subjectId: r.subject_id,
                  clientId: r.client_id,
                  unitId: r.unit_id,
                },
                now,
              )
            : null) ?? (r.inhibited_by !== null ? `inhibited:${r.inhibited_by}` : null));
    return {
      id: r.id,
      dealerId: r.dealer_id,
      name: r.name,
      state: r.state as AlertState,
      priority: def?.priority ?? null,
      importance: def?.importance ?? null,
      category: def?.category ?? null,
      class: def?.class ?? null,
      subject: { kind: r.subject_kind, id: r.subject_id },
      labels,
      text: r.text,
      value: r.value,
      filename: r.filename,
      activeSince: r.active_since,
      firstSeenAt: r.pending_at,
      firedAt: r.fired_at,
      resolvedAt: r.resolved_at,
      lastEvaluatedAt: r.last_eval_at,
      inhibitedBy: r.resolved_at === null ? r.inhibited_by : null,
      suppressedBy,
      acknowledgedAt: r.acked_at,
      acknowledgedBy: r.acked_by,
      client: r.client_id === null ? null : { id: r.client_id, name: r.client_name ?? '' },
      managers: (r.client_id === null ? [] : (managers.get(r.client_id) ?? [])).sort(),
      runbookUrl: runbookUrl('', def?.name ?? r.name),
    };
  });
}

/**
 * `where` narrows further (the dashboards' variables); it may refer to the instance as `ai` and is
 * applied on top of the scope, never instead of it.
 */
export async function listAlerts(
  ctx: AppContext,
  actor: Actor,
  query: ListAlertsQuery = {},
  where?: Expression<SqlBool>,
): Promise<{ total: number; items: AlertView[] }> {
  const q = ListAlertsQuery.parse(query);
  const names = nameFilter(q);
  if (names !== null && names.length === 0) return { total: 0, items: [] };
  let base = instances(ctx.db, actor);
  if (where) base = base.where(where);
  if (q.state === 'open') base = base.where('ai.state', 'in', ['pending', 'firing']);
  else if (q.state !== 'all') base = base.where('ai.state', '=', q.state);
  if (names !== null) base = base.where('ai.name', 'in', names);
  if (q.dealerId !== undefined) base = base.where('ai.dealer_id', '=', q.dealerId);
  if (q.clientId !== undefined) base = base.where('ai.client_id', '=', q.clientId);
  if (q.installationId !== undefined) {
    base = base.where('ai.subject_kind', '=', 'installation').where('ai.subject_id', '=', q.installationId);
  }
  if (q.onlineAccessId !== undefined) {
    base = base.where('ai.subject_kind', '=', 'online').where('ai.subject_id', '=', q.onlineAccessId);
  }
  if (q.to !== undefined) base = base.where('ai.pending_at', '<=', q.to);
  if (q.from !== undefined) {
    const from = q.from;
    base = base.where((eb) => eb.or([eb('ai.resolved_at', 'is', null), eb('ai.resolved_at', '>=', from)]));
  }
  const counted = await base
    .clearSelect()
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const rows = await base
    .orderBy(priorityRank('ai.name'))
    .orderBy('ai.pending_at', 'desc')
    .orderBy('ai.id', 'desc')
    .limit(q.limit)
    .offset(q.offset)
    .execute();
  return { total: Number(counted.n), items: await toViews(ctx, rows, ctx.clock.now()) };
}

export interface AlertTransitionView {
  at: number;
  from: string | null;
  to: string;
  reason: string | null;
}

export interface AlertDetail extends AlertView {
  transitions: AlertTransitionView[];
  /** Messages about this alert (and its Count form) to its dealer's receivers while it lived. */
  notifications: NotificationView[];
}

async function visibleInstance(ctx: AppContext, actor: Actor, id: number): Promise<InstanceRow> {
  const row = await instances(ctx.db, actor).where('ai.id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError('alert');
  return row;
}

export async function getAlert(ctx: AppContext, actor: Actor, id: number): Promise<AlertDetail> {
  const row = await visibleInstance(ctx, actor, id);
  const now = ctx.clock.now();
  const [view] = await toViews(ctx, [row], now);
  const transitions = await ctx.db
    .selectFrom('alert_transitions')
    .select(['at', 'from_state', 'to_state', 'reason'])
    .where('instance_id', '=', id)
    .orderBy('at')
    .orderBy('id')
    .execute();
  // A resolved message goes out up to a group interval after the resolution.
  const def = alertDef(row.name);
  const overrides = def ? await loadOverrides(ctx.db, row.dealer_id) : null;
  const timings = def && overrides ? settingsFrom(overrides).timings(def.name) : null;
  const end =
    row.resolved_at === null
      ? now
      : row.resolved_at + (timings ? timings.groupWaitMs + timings.groupIntervalMs : 0) + 60_000;
  const names = [row.name, ...(def && countSiblingOf(def.name) ? [`${def.name}Count`] : [])];
  const notifications = await notificationRows(ctx.db, actor)
    .where('n.dealer_id', '=', row.dealer_id)
    .where('n.alert_name', 'in', names)
    .where('n.created_at', '>=', row.pending_at)
    .where('n.created_at', '<=', end)
    .orderBy('n.created_at', 'desc')
    .orderBy('n.id', 'desc')
    .limit(50)
    .execute();
  return {
    ...(view as AlertView),
    transitions: transitions.map((t) => ({ at: t.at, from: t.from_state, to: t.to_state, reason: t.reason })),
    notifications: notifications.map((n) => toNotification(actor, n)),
  };
}

export const AckInput = z.object({ comment: z.string().trim().max(1000).optional() }).strict();
export type AckInput = z.input<typeof AckInput>;

/**
 * Marks an open instance as seen by someone (every role but viewer). It changes nothing about
 * notifications; the comment is kept in the audit trail.
 */
export async function acknowledgeAlert(
  ctx: AppContext,
  actor: Actor,
  id: number,
  input: AckInput = {},
): Promise<AlertView> {
  const data = AckInput.parse(input ?? {});
  const row = await visibleInstance(ctx, actor, id);
  if (actor.role === 'viewer') throw new ForbiddenError('a viewer may not acknowledge alerts');
  if (row.resolved_at !== null) throw new ConflictError(`alert ${id} is already resolved`);
  const now = ctx.clock.now();
  await withTx(ctx, async (db) => {
    await db
      .updateTable('alert_instances')
      .set({ acked_at: now, acked_by: actor.login })
      .where('id', '=', id)
      .execute();
    await audit(db, ctx.clock, actor, {
      dealerId: row.dealer_id,
      action: 'update',
      entity: 'alert',
      entityId: id,
      details: { acknowledged: true, name: row.name, ...(data.comment ? { comment: data.comment } : {}) },
    });
  });
  const [view] = await toViews(ctx, [{ ...row, acked_at: now, acked_by: actor.login }], now);
  return view as AlertView;
}

// ---- the catalogue and a dealer's settings ----

/** What settings.ts takes: a dealer's overrides by catalogue name. */
export type SettingsOverrides = Parameters<typeof settingsFrom>[0];

/** A dealer's stored settings of one alert: null fields (and params left out) take the catalogue's. */
export type StoredAlertSettings = AlertOverride & { updatedAt: number };

export async function loadOverrides(db: Db, dealerId: number): Promise<Map<string, StoredAlertSettings>> {
  const rows = await db.selectFrom('alert_settings').selectAll().where('dealer_id', '=', dealerId).execute();
  return new Map(
    rows.map((r) => [
      r.name,
      {
        enabled: r.enabled === 1,
        countThreshold: r.count_threshold,
        forMs: r.for_ms,
        keepFiringForMs: r.keep_firing_for_ms,
        groupWaitMs: r.group_wait_ms,
        groupIntervalMs: r.group_interval_ms,
        repeatIntervalMs: r.repeat_interval_ms,
        params: r.params ? (JSON.parse(r.params) as Record<string, number>) : {},
        updatedAt: r.updated_at,
      },
    ]),
  );
}

export interface EffectiveSettings {
  enabled: boolean;
  /** For alerts with a Count sibling; null otherwise. */
  countThreshold: number | null;
  forMs: number;
  keepFiringForMs: number;
  params: Record<string, number>;
  timings: GroupTimings;
}

/** The effective settings of one alert from a dealer's overrides (an empty map = the catalogue). */
export function effectiveSettings(overrides: SettingsOverrides, name: string): EffectiveSettings {
  const s = settingsFrom(overrides);
  return {
    enabled: s.enabled(name),
    countThreshold: s.countThreshold(name),
    forMs: s.forMs(name),
    keepFiringForMs: s.keepFiringForMs(name),
    params: s.params(name),
    timings: s.timings(name),
  };
}

export interface CatalogueEntry {
  name: string;
  aliases: string[];
  category: AlertCategory;
  sources: AlertSource[];
  subjects: AlertSubject[];
  priority: Priority;
  importance: Importance;
  class: AlertClass;
  /** Priority and importance are the spec's (not decided by SMART). */
  stated: boolean;
  summary: string;
  condition: string;
  /** For a `…Count` alert: the alert it counts. */
  countOf: string | null;
  /** For an alert with a Count sibling: its name. */
  countSibling: string | null;
  runbookUrl: string;
  defaults: EffectiveSettings;
  /** With the dealer's settings applied (the defaults when no dealer is given). */
  effective: EffectiveSettings;
  /** The dealer has changed a setting of this alert. */
  overridden: boolean;
  /** What the dealer stored, as `GET /api/alert-settings/:name` shows it; null when nothing is. */
  override: StoredAlertSettings | null;
}

/**
 * The catalogue with a dealer's effective settings: the given dealer, the caller's own, or (for the
 * operator, who has none) the catalogue's defaults.
 */
export async function alertCatalogue(
  ctx: AppContext,
  actor: Actor,
  dealerId?: number,
): Promise<{ dealerId: number | null; alerts: CatalogueEntry[] }> {
  const id = dealerId ?? scopeDealerId(actor.scope);
  if (id !== null) await getDealer(ctx, actor, id);
  const overrides: Map<string, StoredAlertSettings> =
    id === null ? new Map() : await loadOverrides(ctx.db, id);
  const none: SettingsOverrides = new Map();
  return {
    dealerId: id,
    alerts: CATALOGUE.map((d) => ({
      name: d.name,
      aliases: [...d.aliases],
      category: d.category,
      sources: [...d.sources],
      subjects: [...d.subjects],
      priority: d.priority,
      importance: d.importance,
      class: d.class,
      stated: d.stated,
      summary: d.summary,
      condition: d.condition,
      countOf: d.countOf ?? null,
      countSibling: countSiblingOf(d.name)?.name ?? null,
      runbookUrl: runbookUrl('', d.name),
      defaults: effectiveSettings(none, d.name),
      effective: effectiveSettings(overrides, d.name),
      overridden: overrides.has(d.name),
      override: overrides.get(d.name) ?? null,
    })),
  };
}

/** The default group timings of a priority (for docs and the CLI). */
export function defaultTimings(p: Priority): GroupTimings {
  return DEFAULT_TIMINGS[p];
}

// ---- the delivery log ----

export const NOTIFICATION_STATUSES = ['queued', 'sent', 'failed'] as const;
export const NOTIFICATION_KINDS = ['email', 'telegram', 'webhook'] as const;

export const ListNotificationsQuery = z
  .object({
    dealerId: Id.optional(),
    status: z.enum(NOTIFICATION_STATUSES).optional(),
    kind: z.enum(NOTIFICATION_KINDS).optional(),
    alertName: KnownAlertName.optional(),
    /** created_at range */
    from: Ms.optional(),
    to: Ms.optional(),
    limit: z.number().int().min(1).max(1000).default(100),
    offset: z.number().int().min(0).max(1_000_000_000).default(0),
  })
  .strict();
export type ListNotificationsQuery = z.input<typeof ListNotificationsQuery>;

export interface NotificationView {
  id: number;
  dealerId: number | null;
  channelId: number | null;
  channelName: string | null;
  kind: string;
  /** A webhook URL is shown as its origin to roles that may not change channels (it may hold a secret). */
  target: string;
  alertName: string;
  /** firing | resolved | repeat | count_firing | count_resolved | system */
  reason: string;
  subject: string;
  instanceCount: number;
  status: string;
  attempts: number;
  nextAttemptAt: number;
  createdAt: number;
  sentAt: number | null;
  lastError: string | null;
}

export interface NotificationAttemptView {
  at: number;
  nodeId: string;
  ok: boolean;
  permanent: boolean;
  error: string | null;
  code: string | null;
  retryAfterMs: number | null;
  durationMs: number;
}

export interface NotificationDetail extends NotificationView {
  body: string;
  payload: unknown;
  attemptLog: NotificationAttemptView[];
}

/**
 * Messages the scope may see. Dealer-wide scopes: every message of their dealers (the operator also
 * the instance's own, dealer-less ones). A unit scope: messages to channels of units in its subtree and
 * e-mails to the managers it sees; a manager: e-mails to their own addresses. Messages to dealer-wide
 * channels list objects of the whole dealer, so narrower scopes do not see them.
 */
export function notificationVisible(scope: Scope, alias: string): Expression<SqlBool> {
  const col = (c: string) => sql.ref(`${alias}.${c}`);
  if (scope.kind === 'all') return TRUE;
  if (scope.kind === 'dealer') return dealerVisible(scope, `${alias}.dealer_id`);
  const managerMail = sql<SqlBool>`(${col('kind')} = 'email' and ${col('channel_id')} is null and (
      ${col('target')} in (select im.email from installation_managers im where ${managerVisible(scope, 'im.manager_id')})
      or ${col('target')} in (select om.email from online_access_managers om where ${managerVisible(scope, 'om.manager_id')})))`;
  if (scope.kind === 'manager') {
    return sql<SqlBool>`(${col('dealer_id')} = ${scope.dealerId} and ${managerMail})`;
  }
  return sql<SqlBool>`(${col('dealer_id')} = ${scope.dealerId} and (${managerMail} or ${col('channel_id')} in (
      select ch.id from notification_channels ch join org_units u on u.id = ch.unit_id
      where ch.dealer_id = ${scope.dealerId} and u.path like ${`${scope.unitPath}%`})))`;
}

function notificationRows(db: Db, actor: Actor) {
  return db
    .selectFrom('notifications as n')
    .leftJoin('notification_channels as ch', 'ch.id', 'n.channel_id')
    .select([
      'n.id',
      'n.dealer_id',
      'n.channel_id',
      'ch.name as channel_name',
      'n.kind',
      'n.target',
      'n.alert_name',
      'n.reason',
      'n.subject',
      'n.instance_count',
      'n.status',
      'n.attempts',
      'n.next_attempt_at',
      'n.created_at',
      'n.sent_at',
      'n.last_error',
    ])
    .where(notificationVisible(actor.scope, 'n'));
}

/** A webhook URL reduced to its origin (its path or query may carry a token). */
export function redactTarget(kind: string, target: string): string {
  if (kind !== 'webhook') return target;
  try {
    return `${new URL(target).origin}/…`;
  } catch {
    return '…';
  }
}

type NotificationRow = {
  id: number;
  dealer_id: number | null;
  channel_id: number | null;
  channel_name: string | null;
  kind: string;
  target: string;
  alert_name: string;
  reason: string;
  subject: string;
  instance_count: number;
  status: string;
  attempts: number;
  next_attempt_at: number;
  created_at: number;
  sent_at: number | null;
  last_error: string | null;
};

/** Hides a webhook URL (and its mentions in error texts) from roles that may not change channels. */
function hideSecret(actor: Actor, kind: string, target: string, text: string | null): string | null {
  if (text === null || canWrite(actor) || kind !== 'webhook') return text;
  return text.split(target).join(redactTarget(kind, target));
}

function toNotification(actor: Actor, n: NotificationRow): NotificationView {
  return {
    id: n.id,
    dealerId: n.dealer_id,
    channelId: n.channel_id,
    channelName: n.channel_name,
    kind: n.kind,
    target: canWrite(actor) ? n.target : redactTarget(n.kind, n.target),
    alertName: n.alert_name,
    reason: n.reason,
    subject: n.subject,
    instanceCount: n.instance_count,
    status: n.status,
    attempts: n.attempts,
    nextAttemptAt: n.next_attempt_at,
    createdAt: n.created_at,
    sentAt: n.sent_at,
    lastError: hideSecret(actor, n.kind, n.target, n.last_error),
  };
}

export async function listNotifications(
  ctx: AppContext,
  actor: Actor,
  query: ListNotificationsQuery = {},
): Promise<{ total: number; items: NotificationView[] }> {
  const q = ListNotificationsQuery.parse(query);
  let base = notificationRows(ctx.db, actor);
  if (q.dealerId !== undefined) base = base.where('n.dealer_id', '=', q.dealerId);
  if (q.status !== undefined) base = base.where('n.status', '=', q.status);
  if (q.kind !== undefined) base = base.where('n.kind', '=', q.kind);
  if (q.alertName !== undefined) base = base.where('n.alert_name', '=', primaryName(q.alertName));
  if (q.from !== undefined) base = base.where('n.created_at', '>=', q.from);
  if (q.to !== undefined) base = base.where('n.created_at', '<=', q.to);
  const counted = await base
    .clearSelect()
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const rows = await base
    .orderBy('n.created_at', 'desc')
    .orderBy('n.id', 'desc')
    .limit(q.limit)
    .offset(q.offset)
    .execute();
  return { total: Number(counted.n), items: rows.map((n) => toNotification(actor, n)) };
}

export async function getNotification(
  ctx: AppContext,
  actor: Actor,
  id: number,
): Promise<NotificationDetail> {
  const row = await notificationRows(ctx.db, actor)
    .select(['n.body', 'n.payload'])
    .where('n.id', '=', id)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('notification');
  const attempts = await ctx.db
    .selectFrom('notification_attempts')
    .selectAll()
    .where('notification_id', '=', id)
    .orderBy('at')
    .orderBy('id')
    .execute();
  return {
    ...toNotification(actor, row),
    body: row.body,
    payload: row.payload === null ? null : (JSON.parse(row.payload) as unknown),
    attemptLog: attempts.map((a) => ({
      at: a.at,
      nodeId: a.node_id,
      ok: a.ok === 1,
      permanent: a.permanent === 1,
      error: hideSecret(actor, row.kind, row.target, a.error),
      code: a.code,
      retryAfterMs: a.retry_after_ms,
      durationMs: a.duration_ms,
    })),
  };
}
