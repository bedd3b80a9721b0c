/**
 * Configuration of alerting, per dealer: notification channels and routing rules (with a preview of
 * who would be told), silences, maintenance windows and the per-dealer alert settings.
 *
 * Permissions (see docs/api.md, "Alerts"):
 * - Everybody reads what belongs to their dealer as a whole (unit_id null) and to the units they see.
 * - Channels, rules and silences: the operator and dealer-admins change any; a head changes only those
 *   of units in their subtree (what they create without a unit goes to their own unit). Managers and
 *   viewers only read. A dealer-wide row seen by a head is 403 to change, not 404.
 * - Maintenance windows: the scope object must be visible (404); heads cannot create dealer-wide ones.
 * - Alert settings: read by everybody of the dealer, changed by the operator and dealer-admins.
 * Out of scope is always 404, before any role check.
 */
import { sql, type Expression, type Selectable, type SqlBool } from 'kysely';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import type { Db } from '../db/database.js';
import { withTx } from '../db/tx.js';
import type {
  MaintenanceWindowsTable,
  NotificationChannelsTable,
  NotificationRulesTable,
  SilencesTable,
} from '../db/schema.js';
import { getClient } from '../inventory/clients.js';
import { getInstallation } from '../inventory/installations.js';
import { getOnlineAccess } from '../inventory/online.js';
import { ForbiddenError, NotFoundError } from '../lib/errors.js';
import { audit } from '../tenancy/audit.js';
import { getDealer } from '../tenancy/dealers.js';
import {
  canWrite,
  clientVisible,
  dealerVisible,
  requireDealerAdmin,
  requireWrite,
  unitVisible,
  type Actor,
  type Scope,
} from '../tenancy/scope.js';
import { getUnit, unitForWrite } from '../tenancy/units.js';
import { requireAlertDef, type AlertClass, type Priority } from './catalogue.js';
import { AlertMatchersSchema, matches, parseMatchers, type AlertMatchers } from './matchers.js';
import {
  dealerOf,
  effectiveSettings,
  invalid,
  KnownAlertName,
  loadOverrides,
  Ms,
  primaryName,
  redactTarget,
  type EffectiveSettings,
  type StoredAlertSettings,
} from './queries.js';
import { loadDealerRouting, receiversFor, unitCovers } from './routing.js';
import { forgetAlertSettings } from './settings.js';
import {
  isValidTimeZone,
  loadSuppressions,
  parseLocalDateTime,
  suppressionOf,
  windowActive,
  windowFromRow,
} from './suppression.js';

const TRUE = sql<SqlBool>`1 = 1`;
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const Id = z.number().int().positive();

function dealerWide(scope: Scope): boolean {
  return scope.kind === 'all' || scope.kind === 'dealer';
}

/**
 * Rows of a dealer's configuration (channels, rules, silences) the scope sees: dealer-wide rows
 * (unit_id null) of its dealer, and rows of units it sees.
 */
function configVisible(scope: Scope, alias: string): Expression<SqlBool> {
  if (scope.kind === 'all') return TRUE;
  const unit = `${alias}.unit_id`;
  return sql<SqlBool>`(${sql.ref(`${alias}.dealer_id`)} = ${scope.dealerId} and (${sql.ref(unit)} is null or ${unitVisible(scope, unit)}))`;
}

/** Whether the actor may change a configuration row of this unit (null = dealer-wide). */
function mayEdit(actor: Actor, unitId: number | null): boolean {
  if (actor.role !== 'operator' && actor.role !== 'dealer-admin' && actor.role !== 'head') return false;
  return unitId !== null || dealerWide(actor.scope);
}

function requireEdit(actor: Actor, unitId: number | null, what: string): void {
  requireWrite(actor);
  if (!mayEdit(actor, unitId)) {
    throw new ForbiddenError(`only the operator and dealer-wide roles may change a dealer-wide ${what}`);
  }
}

/** The unit a new or moved row goes to; a head's default is their own unit. 404 for a unit out of scope. */
function unitOf(ctx: AppContext, actor: Actor, dealerId: number, unitId: number | null | undefined) {
  return unitForWrite(ctx, actor, dealerId, unitId);
}

// ---- channels ----

export const CHANNEL_KINDS = ['email', 'telegram', 'webhook'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];
export const CHANNEL_CLASSES = ['high', 'analytics', 'all'] as const;
export type ChannelClass = (typeof CHANNEL_CLASSES)[number];

const TELEGRAM_CHAT = /^-?\d{1,20}$|^@[A-Za-z0-9_]{5,64}$/;
const EmailAddress = z.email();

/** Why a target does not fit its kind, or null. */
export function channelTargetProblem(kind: ChannelKind, target: string): string | null {
  switch (kind) {
    case 'email':
      return EmailAddress.safeParse(target).success ? null : 'must be an e-mail address';
    case 'telegram':
      return TELEGRAM_CHAT.test(target)
        ? null
        : 'must be a numeric Telegram chat id (e.g. -1001234567890) or an @channel name';
    case 'webhook': {
      let url: URL;
      try {
        url = new URL(target);
      } catch {
        return 'must be an http:// or https:// URL';
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http:// or https:// URL';
      return url.hostname ? null : 'must name a host';
    }
  }
}

function normalTarget(kind: ChannelKind, target: string): string {
  return kind === 'email' ? target.trim().toLowerCase() : target.trim();
}

const ChannelFields = z.object({
  /** null = the whole dealer; a unit's channel hears about everything below the unit. */
  unitId: Id.nullable().optional(),
  kind: z.enum(CHANNEL_KINDS),
  /** Which alerts: `high` (high-priority mailbox, Telegram), `analytics`, or `all`. */
  class: z.enum(CHANNEL_CLASSES),
  name: z.string().trim().min(1).max(200),
  target: z.string().trim().min(1).max(2000),
  enabled: z.boolean(),
});

function checkTarget(v: { kind?: ChannelKind; target?: string }, c: z.RefinementCtx): void {
  if (v.kind === undefined || v.target === undefined) return;
  const problem = channelTargetProblem(v.kind, v.target);
  if (problem) c.addIssue({ code: 'custom', path: ['target'], message: `${problem} (kind ${v.kind})` });
}

export const ChannelInput = ChannelFields.extend({
  dealerId: Id.optional(),
  enabled: z.boolean().default(true),
})
  .strict()
  .superRefine(checkTarget);
export type ChannelInput = z.input<typeof ChannelInput>;

export const ChannelPatch = ChannelFields.partial().strict();
export type ChannelPatch = z.input<typeof ChannelPatch>;

export interface Channel {
  id: number;
  dealerId: number;
  unitId: number | null;
  kind: ChannelKind;
  class: ChannelClass;
  name: string;
  /** A webhook URL is shown as its origin to those who may not change the channel. */
  target: string;
  enabled: boolean;
  lastError: string | null;
  lastErrorAt: number | null;
  createdAt: number;
  updatedAt: number;
  /** Whether the caller may change it. */
  editable: boolean;
}

type ChannelRow = Selectable<NotificationChannelsTable>;

function toChannel(actor: Actor, r: ChannelRow): Channel {
  const editable = mayEdit(actor, r.unit_id);
  return {
    id: r.id,
    dealerId: r.dealer_id,
    unitId: r.unit_id,
    kind: r.kind as ChannelKind,
    class: r.class as ChannelClass,
    name: r.name,
    target: editable ? r.target : redactTarget(r.kind, r.target),
    enabled: r.enabled === 1,
    lastError: r.last_error,
    lastErrorAt: r.last_error_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    editable,
  };
}

async function channelRow(db: Db, actor: Actor, id: number): Promise<ChannelRow> {
  const row = await db
    .selectFrom('notification_channels as ch')
    .selectAll()
    .where('ch.id', '=', id)
    .where(configVisible(actor.scope, 'ch'))
    .executeTakeFirst();
  if (!row) throw new NotFoundError('notification channel');
  return row;
}

export interface ConfigFilter {
  dealerId?: number;
  unitId?: number;
}

export async function listChannels(
  ctx: AppContext,
  actor: Actor,
  filter: ConfigFilter = {},
): Promise<Channel[]> {
  let q = ctx.db
    .selectFrom('notification_channels as ch')
    .selectAll()
    .where(configVisible(actor.scope, 'ch'));
  if (filter.dealerId !== undefined) q = q.where('ch.dealer_id', '=', filter.dealerId);
  if (filter.unitId !== undefined) q = q.where('ch.unit_id', '=', filter.unitId);
  const rows = await q.orderBy('ch.dealer_id').orderBy('ch.name').orderBy('ch.id').execute();
  return rows.map((r) => toChannel(actor, r));
}

export async function getChannel(ctx: AppContext, actor: Actor, id: number): Promise<Channel> {
  return toChannel(actor, await channelRow(ctx.db, actor, id));
}

export async function createChannel(ctx: AppContext, actor: Actor, input: ChannelInput): Promise<Channel> {
  const data = ChannelInput.parse(input);
  const dealerId = await dealerOf(ctx, actor, data.dealerId);
  const unitId = await unitOf(ctx, actor, dealerId, data.unitId);
  requireEdit(actor, unitId, 'channel');
  const now = ctx.clock.now();
  return withTx(ctx, async (db) => {
    const row = await db
      .insertInto('notification_channels')
      .values({
        dealer_id: dealerId,
        unit_id: unitId,
        kind: data.kind,
        class: data.class,
        name: data.name,
        target: normalTarget(data.kind, data.target),
        enabled: data.enabled ? 1 : 0,
        last_error: null,
        last_error_at: null,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(db, ctx.clock, actor, {
      dealerId,
      action: 'create',
      entity: 'notification_channel',
      entityId: row.id,
      details: { name: data.name, kind: data.kind, class: data.class, unitId },
    });
    return toChannel(actor, row);
  });
}

export async function updateChannel(
  ctx: AppContext,
  actor: Actor,
  id: number,
  patch: ChannelPatch,
): Promise<Channel> {
  const data = ChannelPatch.parse(patch);
  const before = await channelRow(ctx.db, actor, id);
  const unitId =
    data.unitId === undefined ? before.unit_id : await unitOf(ctx, actor, before.dealer_id, data.unitId);
  requireEdit(actor, before.unit_id, 'channel');
  requireEdit(actor, unitId, 'channel');
  const kind = data.kind ?? (before.kind as ChannelKind);
  const target = data.target ?? before.target;
  const problem = channelTargetProblem(kind, target);
  if (problem) invalid(['target'], `${problem} (kind ${kind})`);
  return withTx(ctx, async (db) => {
    const row = await db
      .updateTable('notification_channels')
      .set({
        unit_id: unitId,
        kind,
        class: data.class ?? before.class,
        name: data.name ?? before.name,
        target: normalTarget(kind, target),
        enabled: data.enabled === undefined ? before.enabled : data.enabled ? 1 : 0,
        // A changed target or a re-enabled channel starts without the old error.
        ...(data.target !== undefined || data.kind !== undefined || data.enabled === true
          ? { last_error: null, last_error_at: null }
          : {}),
        updated_at: ctx.clock.now(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(db, ctx.clock, actor, {
      dealerId: before.dealer_id,
      action: 'update',
      entity: 'notification_channel',
      entityId: id,
      details: { ...data, ...(data.target !== undefined ? { target: redactTarget(kind, target) } : {}) },
    });
    return toChannel(actor, row);
  });
}

/** Deletes a channel; the rules that named it stop naming it (in the same transaction). */
export async function deleteChannel(ctx: AppContext, actor: Actor, id: number): Promise<void> {
  const before = await channelRow(ctx.db, actor, id);
  requireEdit(actor, before.unit_id, 'channel');
  await withTx(ctx, async (db) => {
    const rules = await db
      .selectFrom('notification_rules')
      .select(['id', 'channel_ids'])
      .where('dealer_id', '=', before.dealer_id)
      .execute();
    for (const r of rules) {
      const ids = JSON.parse(r.channel_ids) as number[];
      if (!ids.includes(id)) continue;
      await db
        .updateTable('notification_rules')
        .set({ channel_ids: JSON.stringify(ids.filter((x) => x !== id)), updated_at: ctx.clock.now() })
        .where('id', '=', r.id)
        .execute();
    }
    await db.deleteFrom('notification_channels').where('id', '=', id).execute();
    await audit(db, ctx.clock, actor, {
      dealerId: before.dealer_id,
      action: 'delete',
      entity: 'notification_channel',
      entityId: id,
      details: { name: before.name },
    });
  });
}

// ---- routing rules ----

export const RULE_MODES = ['add', 'replace'] as const;

const RuleFields = z.object({
  unitId: Id.nullable().optional(),
  name: z.string().trim().min(1).max(200),
  /** Which alerts the rule is about (every field given must match; empty = every alert). */
  matchers: AlertMatchersSchema,
  /** add: these channels get it too; replace: only these channels (and the managers if `managers`). */
  mode: z.enum(RULE_MODES),
  channelIds: z.array(Id).max(50),
  /** In replace mode: the object's managers keep getting it. */
  managers: z.boolean(),
  enabled: z.boolean(),
  /** Rules apply in ascending position (then id). Default: after the dealer's last rule. */
  position: z.number().int().min(0).max(1_000_000),
});

function checkRule(v: { mode?: string; channelIds?: number[] }, c: z.RefinementCtx): void {
  if (v.mode === 'add' && v.channelIds !== undefined && v.channelIds.length === 0) {
    c.addIssue({ code: 'custom', path: ['channelIds'], message: 'an add rule needs at least one channel' });
  }
}

export const RuleInput = RuleFields.extend({
  dealerId: Id.optional(),
  matchers: AlertMatchersSchema.default({}),
  mode: z.enum(RULE_MODES).default('add'),
  channelIds: z.array(Id).max(50).default([]),
  managers: z.boolean().default(true),
  enabled: z.boolean().default(true),
  position: RuleFields.shape.position.optional(),
})
  .strict()
  .superRefine(checkRule);
export type RuleInput = z.input<typeof RuleInput>;

export const RulePatch = RuleFields.partial().strict();
export type RulePatch = z.input<typeof RulePatch>;

export interface Rule {
  id: number;
  dealerId: number;
  unitId: number | null;
  position: number;
  name: string;
  matchers: AlertMatchers;
  mode: 'add' | 'replace';
  channelIds: number[];
  managers: boolean;
  enabled: boolean;
  createdAt: number;
  updatedAt: number;
  editable: boolean;
}

type RuleRow = Selectable<NotificationRulesTable>;

function toRule(actor: Actor, r: RuleRow): Rule {
  return {
    id: r.id,
    dealerId: r.dealer_id,
    unitId: r.unit_id,
    position: r.position,
    name: r.name,
    matchers: parseMatchers(r.matchers),
    mode: r.mode as Rule['mode'],
    channelIds: JSON.parse(r.channel_ids) as number[],
    managers: r.managers === 1,
    enabled: r.enabled === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    editable: mayEdit(actor, r.unit_id),
  };
}

async function ruleRow(db: Db, actor: Actor, id: number): Promise<RuleRow> {
  const row = await db
    .selectFrom('notification_rules as r')
    .selectAll()
    .where('r.id', '=', id)
    .where(configVisible(actor.scope, 'r'))
    .executeTakeFirst();
  if (!row) throw new NotFoundError('notification rule');
  return row;
}

/**
 * The channels a rule names must be channels of its dealer that the caller sees (404 otherwise), and a
 * unit's channel must cover the rule's unit: routing never applies a channel to objects outside it.
 */
async function checkRuleChannels(
  ctx: AppContext,
  actor: Actor,
  dealerId: number,
  unitId: number | null,
  channelIds: number[],
): Promise<number[]> {
  const ids = [...new Set(channelIds)];
  if (ids.length === 0) return ids;
  const rows = await ctx.db
    .selectFrom('notification_channels as ch')
    .select(['ch.id', 'ch.unit_id'])
    .where('ch.id', 'in', ids)
    .where('ch.dealer_id', '=', dealerId)
    .where(configVisible(actor.scope, 'ch'))
    .execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  const path =
    unitId === null
      ? null
      : ((await ctx.db.selectFrom('org_units').select('path').where('id', '=', unitId).executeTakeFirst())
          ?.path ?? null);
  for (const [i, id] of ids.entries()) {
    const ch = byId.get(id);
    if (!ch) throw new NotFoundError(`channelIds.${i}: notification channel ${id}`);
    if (ch.unit_id !== null && path !== null && !path.includes(`/${ch.unit_id}/`)) {
      invalid(['channelIds', i], `channel ${id} belongs to a unit that does not include the rule's unit`);
    }
  }
  return ids;
}

export async function listRules(ctx: AppContext, actor: Actor, filter: ConfigFilter = {}): Promise<Rule[]> {
  let q = ctx.db.selectFrom('notification_rules as r').selectAll().where(configVisible(actor.scope, 'r'));
  if (filter.dealerId !== undefined) q = q.where('r.dealer_id', '=', filter.dealerId);
  if (filter.unitId !== undefined) q = q.where('r.unit_id', '=', filter.unitId);
  const rows = await q.orderBy('r.dealer_id').orderBy('r.position').orderBy('r.id').execute();
  return rows.map((r) => toRule(actor, r));
}

export async function getRule(ctx: AppContext, actor: Actor, id: number): Promise<Rule> {
  return toRule(actor, await ruleRow(ctx.db, actor, id));
}

export async function createRule(ctx: AppContext, actor: Actor, input: RuleInput): Promise<Rule> {
  const data = RuleInput.parse(input);
  const dealerId = await dealerOf(ctx, actor, data.dealerId);
  const unitId = await unitOf(ctx, actor, dealerId, data.unitId);
  requireEdit(actor, unitId, 'rule');
  const channelIds = await checkRuleChannels(ctx, actor, dealerId, unitId, data.channelIds);
  const now = ctx.clock.now();
  return withTx(ctx, async (db) => {
    let position = data.position;
    if (position === undefined) {
      const last = await db
        .selectFrom('notification_rules')
        .select((eb) => eb.fn.max('position').as('p'))
        .where('dealer_id', '=', dealerId)
        .executeTakeFirst();
      position = Number(last?.p ?? 0) + 1;
    }
    const row = await db
      .insertInto('notification_rules')
      .values({
        dealer_id: dealerId,
        unit_id: unitId,
        position,
        name: data.name,
        matchers: JSON.stringify(data.matchers),
        mode: data.mode,
        channel_ids: JSON.stringify(channelIds),
        managers: data.managers ? 1 : 0,
        enabled: data.enabled ? 1 : 0,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(db, ctx.clock, actor, {
      dealerId,
      action: 'create',
      entity: 'notification_rule',
      entityId: row.id,
      details: { name: data.name, mode: data.mode, matchers: data.matchers, channelIds, unitId },
    });
    return toRule(actor, row);
  });
}

export async function updateRule(ctx: AppContext, actor: Actor, id: number, patch: RulePatch): Promise<Rule> {
  const data = RulePatch.parse(patch);
  const before = await ruleRow(ctx.db, actor, id);
  const unitId =
    data.unitId === undefined ? before.unit_id : await unitOf(ctx, actor, before.dealer_id, data.unitId);
  requireEdit(actor, before.unit_id, 'rule');
  requireEdit(actor, unitId, 'rule');
  const mode = data.mode ?? (before.mode as Rule['mode']);
  const wanted = data.channelIds ?? (JSON.parse(before.channel_ids) as number[]);
  if (mode === 'add' && wanted.length === 0)
    invalid(['channelIds'], 'an add rule needs at least one channel');
  const channelIds =
    data.channelIds !== undefined || data.unitId !== undefined
      ? await checkRuleChannels(ctx, actor, before.dealer_id, unitId, wanted)
      : wanted;
  return withTx(ctx, async (db) => {
    const row = await db
      .updateTable('notification_rules')
      .set({
        unit_id: unitId,
        name: data.name ?? before.name,
        matchers: data.matchers === undefined ? before.matchers : JSON.stringify(data.matchers),
        mode,
        channel_ids: JSON.stringify(channelIds),
        managers: data.managers === undefined ? before.managers : data.managers ? 1 : 0,
        enabled: data.enabled === undefined ? before.enabled : data.enabled ? 1 : 0,
        position: data.position ?? before.position,
        updated_at: ctx.clock.now(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(db, ctx.clock, actor, {
      dealerId: before.dealer_id,
      action: 'update',
      entity: 'notification_rule',
      entityId: id,
      details: { ...data },
    });
    return toRule(actor, row);
  });
}

export async function deleteRule(ctx: AppContext, actor: Actor, id: number): Promise<void> {
  const before = await ruleRow(ctx.db, actor, id);
  requireEdit(actor, before.unit_id, 'rule');
  await withTx(ctx, async (db) => {
    await db.deleteFrom('notification_rules').where('id', '=', id).execute();
    await audit(db, ctx.clock, actor, {
      dealerId: before.dealer_id,
      action: 'delete',
      entity: 'notification_rule',
      entityId: id,
      details: { name: before.name },
    });
  });
}

export const ReorderInput = z
  .object({
    dealerId: Id.optional(),
    /** Every rule of the dealer, in the order they should apply. */
    ids: z.array(Id).min(1).max(10_000),
  })
  .strict();
export type ReorderInput = z.input<typeof ReorderInput>;

/** Renumbers all of a dealer's rules (positions 1…n). The order is dealer-wide: heads cannot. */
export async function reorderRules(ctx: AppContext, actor: Actor, input: ReorderInput): Promise<Rule[]> {
  const data = ReorderInput.parse(input);
  const dealerId = await dealerOf(ctx, actor, data.dealerId);
  requireEdit(actor, null, 'rule order');
  return withTx(ctx, async (db) => {
    const existing = await db
      .selectFrom('notification_rules')
      .select('id')
      .where('dealer_id', '=', dealerId)
      .execute();
    const have = new Set(existing.map((r) => r.id));
    const given = new Set(data.ids);
    for (const [i, id] of data.ids.entries()) {
      if (!have.has(id)) throw new NotFoundError(`ids.${i}: notification rule ${id}`);
    }
    if (given.size !== data.ids.length) invalid(['ids'], 'lists a rule twice');
    if (given.size !== have.size) invalid(['ids'], `must list every rule of the dealer (${have.size})`);
    const now = ctx.clock.now();
    for (const [i, id] of data.ids.entries()) {
      await db
        .updateTable('notification_rules')
        .set({ position: i + 1, updated_at: now })
        .where('id', '=', id)
        .execute();
    }
    await audit(db, ctx.clock, actor, {
      dealerId,
      action: 'update',
      entity: 'notification_rules',
      entityId: dealerId,
      details: { order: data.ids },
    });
    return listRules({ ...ctx, db }, actor, { dealerId });
  });
}

// ---- routing preview ----

export const RoutingPreviewInput = z
  .object({
    installationId: Id.optional(),
    onlineAccessId: Id.optional(),
    alertName: KnownAlertName,
    /** Labels the alert would carry besides the object's (e.g. `db`, `kind`), for label matchers. */
    labels: z.record(z.string().min(1).max(60), z.string().max(500)).optional(),
  })
  .strict()
  .superRefine((v, c) => {
    if ((v.installationId === undefined) === (v.onlineAccessId === undefined)) {
      c.addIssue({
        code: 'custom',
        path: ['installationId'],
        message: 'give exactly one of installationId and onlineAccessId',
      });
    }
  });
export type RoutingPreviewInput = z.input<typeof RoutingPreviewInput>;

export interface PreviewReceiver {
  kind: ChannelKind;
  target: string;
  /** null for the object's managers. */
  channelId: number | null;
  channelName: string | null;
  /** Only the alert's `…Count` form goes here (Telegram, for alerts that are not `high`). */
  countOnly: boolean;
}

export interface RoutingPreview {
  alertName: string;
  priority: Priority;
  class: AlertClass;
  subject: { kind: 'installation' | 'online'; id: number; clientId: number; unitId: number | null };
  labels: Record<string, string>;
  /** Enabled rules that apply to it, in order (routing stops after the first `replace`). */
  matchedRules: { id: number; name: string; mode: 'add' | 'replace' }[];
  receivers: PreviewReceiver[];
  /** The silence or maintenance window that would hold it back now. */
  suppressedBy: string | null;
}

/** Who would be told if this alert fired on this object now: the dealer's routing, applied as the engine does. */
export async function previewRouting(
  ctx: AppContext,
  actor: Actor,
  input: RoutingPreviewInput,
): Promise<RoutingPreview> {
  const data = RoutingPreviewInput.parse(input);
  const def = requireAlertDef(primaryName(data.alertName));
  let subject: RoutingPreview['subject'];
  let dealerId: number;
  let objectLabels: Record<string, string>;
  let emails: string[];
  if (data.installationId !== undefined) {
    const inst = await getInstallation(ctx, actor, data.installationId);
    dealerId = inst.dealerId;
    subject = { kind: 'installation', id: inst.id, clientId: inst.clientId, unitId: null };
    objectLabels = { installation: String(inst.id), host: inst.address ?? inst.sourceKey };
    emails = inst.managers.map((m) => m.email);
  } else {
    const acc = await getOnlineAccess(ctx, actor, data.onlineAccessId as number);
    dealerId = acc.dealerId;
    subject = { kind: 'online', id: acc.id, clientId: acc.clientId, unitId: null };
    objectLabels = {
      online: String(acc.id),
      user: acc.login,
      url: `${acc.protocol}://${acc.host}`,
      catalog: acc.folder,
    };
    emails = acc.managers.map((m) => m.email);
  }
  const client = await getClient(ctx, actor, subject.clientId);
  const dealer = await getDealer(ctx, actor, dealerId);
  subject.unitId = client.unitId;
  const labels: Record<string, string> = {
    dealer: dealer.code,
    client: client.shortName,
    client_id: String(client.id),
    ...(client.unitId === null ? {} : { unit: String(client.unitId) }),
    ...objectLabels,
    ...(data.labels ?? {}),
    alertname: def.name,
  };
  const routing = await loadDealerRouting(ctx.db, dealerId);
  const inst = { name: def.name, labels, unitId: client.unitId, managerEmails: [...new Set(emails)] };
  const ruleNames = new Map(
    (
      await ctx.db
        .selectFrom('notification_rules')
        .select(['id', 'name'])
        .where('dealer_id', '=', dealerId)
        .execute()
    ).map((r) => [r.id, r.name]),
  );
  const matchedRules: RoutingPreview['matchedRules'] = [];
  for (const rule of routing.rules) {
    if (!unitCovers(routing, rule.unitId, client.unitId) || !matches(rule.matchers, inst)) continue;
    matchedRules.push({ id: rule.id, name: ruleNames.get(rule.id) ?? '', mode: rule.mode });
    if (rule.mode === 'replace') break;
  }
  const channels = new Map(
    (
      await ctx.db
        .selectFrom('notification_channels')
        .select(['id', 'name', 'unit_id'])
        .where('dealer_id', '=', dealerId)
        .execute()
    ).map((c) => [c.id, c]),
  );
  const receivers = receiversFor(routing, inst).map((r) => {
    const ch = r.channelId === null ? undefined : channels.get(r.channelId);
    const editable = ch === undefined || mayEdit(actor, ch.unit_id);
    return {
      kind: r.kind,
      target: editable ? r.target : redactTarget(r.kind, r.target),
      channelId: r.channelId,
      channelName: ch?.name ?? null,
      countOnly: r.countOnly,
    };
  });
  const now = ctx.clock.now();
  const suppressedBy = suppressionOf(
    await loadSuppressions(ctx.db, dealerId, now),
    {
      name: def.name,
      labels,
      subjectKind: subject.kind,
      subjectId: subject.id,
      clientId: client.id,
      unitId: client.unitId,
    },
    now,
  );
  return {
    alertName: def.name,
    priority: def.priority,
    class: def.class,
    subject,
    labels,
    matchedRules,
    receivers,
    suppressedBy,
  };
}

// ---- time input ----

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Milliseconds since the epoch, or an ISO 8601 time with a zone (`2026-11-01T09:00:00Z`, `…+05:00`). */
export const Instant = z.union([
  Ms,
  z
    .string()
    .trim()
    .max(40)
    .refine((s) => ISO_INSTANT.test(s) && Number.isFinite(Date.parse(s)), {
      message: 'must be milliseconds since 1970 or an ISO 8601 time with a zone, e.g. 2026-11-01T09:00:00Z',
    }),
]);

export function instantMs(v: number | string): number {
  return typeof v === 'number' ? v : Date.parse(v);
}

/** Milliseconds, an ISO instant, or `YYYY-MM-DDTHH:MM` local to the window's zone. */
const LocalTime = z.union([Ms, z.string().trim().min(1).max(40)]);

function localMs(v: number | string, tz: string): number | null {
  return typeof v === 'number' ? v : parseLocalDateTime(v, tz);
}

const LOCAL_TIME_HELP =
  'must be YYYY-MM-DDTHH:MM (local to timeZone), an ISO 8601 time with a zone, or milliseconds';

// ---- silences ----

export const SILENCE_STATES = ['current', 'active', 'pending', 'expired', 'all'] as const;

function hasMatcher(m: AlertMatchers): boolean {
  return Object.values(m).some((v) => (Array.isArray(v) ? v.length > 0 : Object.keys(v ?? {}).length > 0));
}

export const SilenceInput = z
  .object({
    dealerId: Id.optional(),
    /** null = the whole dealer; a head's silences go to their unit. */
    unitId: Id.nullable().optional(),
    matchers: AlertMatchersSchema,
    /** Default: now. */
    startsAt: Instant.optional(),
    endsAt: Instant,
    comment: z.string().trim().min(1).max(1000),
  })
  .strict()
  .superRefine((v, c) => {
    if (!hasMatcher(v.matchers)) {
      c.addIssue({
        code: 'custom',
        path: ['matchers'],
        message: 'give at least one matcher (a silence of everything is a maintenance window)',
      });
    }
    if (v.startsAt !== undefined && instantMs(v.endsAt) <= instantMs(v.startsAt)) {
      c.addIssue({ code: 'custom', path: ['endsAt'], message: 'must be later than startsAt' });
    }
  });
export type SilenceInput = z.input<typeof SilenceInput>;

export interface Silence {
  id: number;
  dealerId: number;
  unitId: number | null;
  matchers: AlertMatchers;
  startsAt: number;
  endsAt: number;
  author: string;
  comment: string;
  createdAt: number;
  state: 'active' | 'pending' | 'expired';
  editable: boolean;
}

type SilenceRow = Selectable<SilencesTable>;

function toSilence(actor: Actor, r: SilenceRow, now: number): Silence {
  return {
    id: r.id,
    dealerId: r.dealer_id,
    unitId: r.unit_id,
    matchers: parseMatchers(r.matchers),
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    author: r.author,
    comment: r.comment,
    createdAt: r.created_at,
    state: now < r.starts_at ? 'pending' : now >= r.ends_at ? 'expired' : 'active',
    editable: mayEdit(actor, r.unit_id),
  };
}

async function silenceRow(db: Db, actor: Actor, id: number): Promise<SilenceRow> {
  const row = await db
    .selectFrom('silences as s')
    .selectAll()
    .where('s.id', '=', id)
    .where(configVisible(actor.scope, 's'))
    .executeTakeFirst();
  if (!row) throw new NotFoundError('silence');
  return row;
}

export interface SilenceFilter extends ConfigFilter {
  /** current (default) = active + pending. */
  state?: (typeof SILENCE_STATES)[number];
}

export async function listSilences(
  ctx: AppContext,
  actor: Actor,
  filter: SilenceFilter = {},
): Promise<Silence[]> {
  const now = ctx.clock.now();
  let q = ctx.db.selectFrom('silences as s').selectAll().where(configVisible(actor.scope, 's'));
  if (filter.dealerId !== undefined) q = q.where('s.dealer_id', '=', filter.dealerId);
  if (filter.unitId !== undefined) q = q.where('s.unit_id', '=', filter.unitId);
  switch (filter.state ?? 'current') {
    case 'current':
      q = q.where('s.ends_at', '>', now);
      break;
    case 'active':
      q = q.where('s.ends_at', '>', now).where('s.starts_at', '<=', now);
      break;
    case 'pending':
      q = q.where('s.starts_at', '>', now);
      break;
    case 'expired':
      q = q.where('s.ends_at', '<=', now);
      break;
    case 'all':
      break;
  }
  const rows = await q.orderBy('s.starts_at', 'desc').orderBy('s.id', 'desc').limit(1000).execute();
  return rows.map((r) => toSilence(actor, r, now));
}

export async function getSilence(ctx: AppContext, actor: Actor, id: number): Promise<Silence> {
  return toSilence(actor, await silenceRow(ctx.db, actor, id), ctx.clock.now());
}

export async function createSilence(ctx: AppContext, actor: Actor, input: SilenceInput): Promise<Silence> {
  const data = SilenceInput.parse(input);
  const dealerId = await dealerOf(ctx, actor, data.dealerId);
  const unitId = await unitOf(ctx, actor, dealerId, data.unitId);
  requireEdit(actor, unitId, 'silence');
  const now = ctx.clock.now();
  const startsAt = data.startsAt === undefined ? now : instantMs(data.startsAt);
  const endsAt = instantMs(data.endsAt);
  if (endsAt <= now) invalid(['endsAt'], 'must be in the future');
  if (endsAt <= startsAt) invalid(['endsAt'], 'must be later than startsAt');
  return withTx(ctx, async (db) => {
    const row = await db
      .insertInto('silences')
      .values({
        dealer_id: dealerId,
        unit_id: unitId,
        matchers: JSON.stringify(data.matchers),
        starts_at: startsAt,
        ends_at: endsAt,
        author: actor.login,
        comment: data.comment,
        created_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(db, ctx.clock, actor, {
      dealerId,
      action: 'create',
      entity: 'silence',
      entityId: row.id,
      details: { matchers: data.matchers, startsAt, endsAt, unitId, comment: data.comment },
    });
    return toSilence(actor, row, now);
  });
}

/** Ends a silence now (a pending one never starts). Ending an expired silence changes nothing. */
export async function expireSilence(ctx: AppContext, actor: Actor, id: number): Promise<Silence> {
  const before = await silenceRow(ctx.db, actor, id);
  requireEdit(actor, before.unit_id, 'silence');
  const now = ctx.clock.now();
  if (before.ends_at <= now) return toSilence(actor, before, now);
  return withTx(ctx, async (db) => {
    const row = await db
      .updateTable('silences')
      .set({ ends_at: now, starts_at: Math.min(before.starts_at, now) })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(db, ctx.clock, actor, {
      dealerId: before.dealer_id,
      action: 'update',
      entity: 'silence',
      entityId: id,
      details: { expired: true, endsAt: [before.ends_at, now] },
    });
    return toSilence(actor, row, now);
  });
}

export async function deleteSilence(ctx: AppContext, actor: Actor, id: number): Promise<void> {
  const before = await silenceRow(ctx.db, actor, id);
  requireEdit(actor, before.unit_id, 'silence');
  await withTx(ctx, async (db) => {
    await db.deleteFrom('silences').where('id', '=', id).execute();
    await audit(db, ctx.clock, actor, {
      dealerId: before.dealer_id,
      action: 'delete',
      entity: 'silence',
      entityId: id,
    });
  });
}

// ---- maintenance windows ----

export const WINDOW_SCOPES = ['dealer', 'unit', 'client', 'installation', 'online'] as const;
export type WindowScopeKind = (typeof WINDOW_SCOPES)[number];

const WindowScope = z.object({ kind: z.enum(WINDOW_SCOPES), id: Id }).strict();
const TimeZone = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .refine((tz) => isValidTimeZone(tz), { message: 'must be an IANA time zone, e.g. Asia/Yekaterinburg' });
const WindowCommon = {
  /** Cross-check: the dealer the scope object must belong to. */
  dealerId: Id.optional(),
  scope: WindowScope,
  timeZone: TimeZone,
  comment: z.string().trim().min(1).max(1000),
};

const OnceFields = { start: LocalTime, end: LocalTime };
const WeeklyFields = {
  /** ISO weekdays: 1 = Monday … 7 = Sunday. */
  days: z.array(z.number().int().min(1).max(7)).min(1).max(7),
  /** HH:MM local. */
  startTime: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (00:00–23:59)'),
  durationMin: z.number().int().min(1).max(10_080),
  validFrom: LocalTime.optional(),
  validUntil: LocalTime.optional(),
};
const ONCE_KEYS = Object.keys(OnceFields) as (keyof typeof OnceFields)[];
const WEEKLY_KEYS = Object.keys(WeeklyFields) as (keyof typeof WeeklyFields)[];

export const MaintenanceWindowInput = z
  .discriminatedUnion('kind', [
    z.object({ ...WindowCommon, kind: z.literal('once'), ...OnceFields }).strict(),
    z.object({ ...WindowCommon, kind: z.literal('weekly'), ...WeeklyFields }).strict(),
  ])
  .superRefine((v, c) => {
    if (!isValidTimeZone(v.timeZone)) return;
    const at = (field: string, value: number | string | undefined): number | null | undefined => {
      if (value === undefined) return undefined;
      const ms = localMs(value, v.timeZone);
      if (ms === null) c.addIssue({ code: 'custom', path: [field], message: LOCAL_TIME_HELP });
      return ms;
    };
    if (v.kind === 'once') {
      const start = at('start', v.start);
      const end = at('end', v.end);
      if (typeof start === 'number' && typeof end === 'number' && end <= start) {
        c.addIssue({ code: 'custom', path: ['end'], message: 'must be later than start' });
      }
    } else {
      const from = at('validFrom', v.validFrom);
      const until = at('validUntil', v.validUntil);
      if (typeof from === 'number' && typeof until === 'number' && until <= from) {
        c.addIssue({ code: 'custom', path: ['validUntil'], message: 'must be later than validFrom' });
      }
    }
  });
export type MaintenanceWindowInput = z.input<typeof MaintenanceWindowInput>;

/**
 * A change to a window: any field of the create body, each validated the same way. The result, the
 * stored window with these fields replaced, is checked again as a whole (end after start, ...).
 * `validFrom`/`validUntil` may be null to drop them. Changing `kind` needs the new kind's fields.
 */
export const MaintenanceWindowPatch = z
  .object({
    dealerId: WindowCommon.dealerId,
    scope: WindowScope.optional(),
    timeZone: TimeZone.optional(),
    comment: WindowCommon.comment.optional(),
    kind: z.enum(['once', 'weekly']).optional(),
    start: OnceFields.start.optional(),
    end: OnceFields.end.optional(),
    days: WeeklyFields.days.optional(),
    startTime: WeeklyFields.startTime.optional(),
    durationMin: WeeklyFields.durationMin.optional(),
    validFrom: LocalTime.nullable().optional(),
    validUntil: LocalTime.nullable().optional(),
  })
  .strict();
export type MaintenanceWindowPatch = z.input<typeof MaintenanceWindowPatch>;

export interface MaintenanceWindow {
  id: number;
  dealerId: number;
  scope: { kind: WindowScopeKind; id: number };
  timeZone: string;
  kind: 'once' | 'weekly';
  startsAt: number | null;
  endsAt: number | null;
  days: number[];
  startTime: string | null;
  durationMin: number | null;
  validFrom: number | null;
  validUntil: number | null;
  author: string;
  comment: string;
  createdAt: number;
  /** In force at the time asked (now, unless given). */
  active: boolean;
  editable: boolean;
}

type WindowRow = Selectable<MaintenanceWindowsTable>;

function toWindow(actor: Actor, r: WindowRow, at: number): MaintenanceWindow {
  const w = windowFromRow(r);
  return {
    id: r.id,
    dealerId: r.dealer_id,
    scope: { kind: r.scope_kind as WindowScopeKind, id: r.scope_id },
    timeZone: r.time_zone,
    kind: w.kind,
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    days: w.days,
    startTime: r.start_time,
    durationMin: r.duration_min,
    validFrom: r.valid_from,
    validUntil: r.valid_until,
    author: r.author,
    comment: r.comment,
    createdAt: r.created_at,
    active: windowActive(w, at),
    editable: canWrite(actor) && (r.scope_kind !== 'dealer' || dealerWide(actor.scope)),
  };
}

/** Windows whose scope object the caller sees. */
function windowVisible(scope: Scope, alias: string): Expression<SqlBool> {
  if (scope.kind === 'all') return TRUE;
  const kind = sql.ref(`${alias}.scope_kind`);
  const id = `${alias}.scope_id`;
  return sql<SqlBool>`(${dealerVisible(scope, `${alias}.dealer_id`)} and (
    (${kind} = 'dealer')
    or (${kind} = 'unit' and ${unitVisible(scope, id)})
    or (${kind} = 'client' and ${clientVisible(scope, id)})
    or (${kind} = 'installation' and ${sql.ref(id)} in (select wi.id from installations wi where ${clientVisible(scope, 'wi.client_id')}))
    or (${kind} = 'online' and ${sql.ref(id)} in (select wo.id from online_accesses wo where ${clientVisible(scope, 'wo.client_id')}))))`;
}

async function windowRow(db: Db, actor: Actor, id: number): Promise<WindowRow> {
  const row = await db
    .selectFrom('maintenance_windows as mw')
    .selectAll()
    .where('mw.id', '=', id)
    .where(windowVisible(actor.scope, 'mw'))
    .executeTakeFirst();
  if (!row) throw new NotFoundError('maintenance window');
  return row;
}

/** The dealer of a window's scope object, which must be visible to the caller (404 otherwise). */
async function windowDealer(
  ctx: AppContext,
  actor: Actor,
  scope: { kind: WindowScopeKind; id: number },
): Promise<number> {
  switch (scope.kind) {
    case 'dealer':
      return (await getDealer(ctx, actor, scope.id)).id;
    case 'unit':
      return (await getUnit(ctx, actor, scope.id)).dealerId;
    case 'client':
      return (await getClient(ctx, actor, scope.id)).dealerId;
    case 'installation':
      return (await getInstallation(ctx, actor, scope.id)).dealerId;
    case 'online':
      return (await getOnlineAccess(ctx, actor, scope.id)).dealerId;
  }
}

export async function listMaintenanceWindows(
  ctx: AppContext,
  actor: Actor,
  filter: { dealerId?: number; scope?: { kind: WindowScopeKind; id: number }; at?: number } = {},
): Promise<MaintenanceWindow[]> {
  let q = ctx.db.selectFrom('maintenance_windows as mw').selectAll().where(windowVisible(actor.scope, 'mw'));
  if (filter.dealerId !== undefined) q = q.where('mw.dealer_id', '=', filter.dealerId);
  if (filter.scope)
    q = q.where('mw.scope_kind', '=', filter.scope.kind).where('mw.scope_id', '=', filter.scope.id);
  const at = filter.at ?? ctx.clock.now();
  const rows = await q.orderBy('mw.dealer_id').orderBy('mw.id').execute();
  return rows.map((r) => toWindow(actor, r, at));
}

export async function getMaintenanceWindow(
  ctx: AppContext,
  actor: Actor,
  id: number,
): Promise<MaintenanceWindow> {
  return toWindow(actor, await windowRow(ctx.db, actor, id), ctx.clock.now());
}

type ParsedWindow = z.output<typeof MaintenanceWindowInput>;

/** The schedule columns of a validated window: local times become instants in its time zone. */
function windowValues(data: ParsedWindow) {
  const tz = data.timeZone;
  const ms = (v: number | string | undefined) => (v === undefined ? null : (localMs(v, tz) as number));
  return data.kind === 'once'
    ? {
        starts_at: ms(data.start),
        ends_at: ms(data.end),
        days: null,
        start_time: null,
        duration_min: null,
        valid_from: null,
        valid_until: null,
      }
    : {
        starts_at: null,
        ends_at: null,
        days: JSON.stringify([...new Set(data.days)].sort()),
        start_time: data.startTime,
        duration_min: data.durationMin,
        valid_from: ms(data.validFrom),
        valid_until: ms(data.validUntil),
      };
}

export async function createMaintenanceWindow(
  ctx: AppContext,
  actor: Actor,
  input: MaintenanceWindowInput,
): Promise<MaintenanceWindow> {
  const data = MaintenanceWindowInput.parse(input);
  const dealerId = await windowDealer(ctx, actor, data.scope);
  if (data.dealerId !== undefined && data.dealerId !== dealerId) throw new NotFoundError(data.scope.kind);
  requireWrite(actor);
  if (data.scope.kind === 'dealer' && !dealerWide(actor.scope)) {
    throw new ForbiddenError(
      'a head may not create a dealer-wide maintenance window: scope it to a unit, client, installation or online access',
    );
  }
  const now = ctx.clock.now();
  const values = windowValues(data);
  if (data.kind === 'once' && (values.ends_at as number) <= now) invalid(['end'], 'must be in the future');
  const tz = data.timeZone;
  return withTx(ctx, async (db) => {
    const row = await db
      .insertInto('maintenance_windows')
      .values({
        dealer_id: dealerId,
        scope_kind: data.scope.kind,
        scope_id: data.scope.id,
        time_zone: tz,
        kind: data.kind,
        ...values,
        author: actor.login,
        comment: data.comment,
        created_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(db, ctx.clock, actor, {
      dealerId,
      action: 'create',
      entity: 'maintenance_window',
      entityId: row.id,
      details: { scope: data.scope, kind: data.kind, timeZone: tz, comment: data.comment },
    });
    return toWindow(actor, row, now);
  });
}

/**
 * Changes a window. The caller must be allowed to change both the window as it is and as it becomes:
 * the old and the new scope object must be visible (404), and a head may neither edit a dealer-wide
 * window nor turn one into it (403). Times already stored are instants, so changing only `timeZone`
 * keeps a one-off window's start and end (and a weekly window's validity) where they are.
 */
export async function updateMaintenanceWindow(
  ctx: AppContext,
  actor: Actor,
  id: number,
  patch: MaintenanceWindowPatch,
): Promise<MaintenanceWindow> {
  const data = MaintenanceWindowPatch.parse(patch);
  const before = await windowRow(ctx.db, actor, id);
  requireWrite(actor);
  if (before.scope_kind === 'dealer' && !dealerWide(actor.scope)) {
    throw new ForbiddenError(
      'only the operator and dealer-wide roles may change a dealer-wide maintenance window',
    );
  }
  const kind = data.kind ?? (before.kind as 'once' | 'weekly');
  const kindChanged = kind !== before.kind;
  // Fields of the other kind would be dropped silently by the merge: name them instead.
  const stray = (kind === 'once' ? WEEKLY_KEYS : ONCE_KEYS).filter((k) => data[k] !== undefined);
  const needed = kindChanged
    ? (kind === 'once' ? ONCE_KEYS : (['days', 'startTime', 'durationMin'] as const)).filter(
        (k) => data[k] === undefined,
      )
    : [];
  if (stray.length || needed.length) {
    const hint = data.kind === undefined ? ` (send kind to change it)` : '';
    throw new z.ZodError([
      ...stray.map((k) => ({
        code: 'custom' as const,
        path: [k],
        message: `only for ${kind === 'once' ? 'weekly' : 'once'} windows; this one is ${kind}${hint}`,
        input: data[k],
      })),
      ...needed.map((k) => ({
        code: 'custom' as const,
        path: [k],
        message: `required when kind changes to ${kind}`,
        input: undefined,
      })),
    ]);
  }
  const keep = <T>(given: T | undefined, stored: T): T | undefined =>
    given !== undefined ? given : kindChanged ? undefined : stored;
  const opt = (given: number | string | null | undefined, stored: number | null) =>
    given === null ? undefined : (keep(given, stored) ?? undefined);
  const merged: MaintenanceWindowInput =
    kind === 'once'
      ? {
          scope: data.scope ?? { kind: before.scope_kind as WindowScopeKind, id: before.scope_id },
          timeZone: data.timeZone ?? before.time_zone,
          comment: data.comment ?? before.comment,
          kind,
          start: keep(data.start, before.starts_at as number) as number | string,
          end: keep(data.end, before.ends_at as number) as number | string,
        }
      : {
          scope: data.scope ?? { kind: before.scope_kind as WindowScopeKind, id: before.scope_id },
          timeZone: data.timeZone ?? before.time_zone,
          comment: data.comment ?? before.comment,
          kind,
          days: keep(data.days, windowFromRow(before).days) as number[],
          startTime: keep(data.startTime, before.start_time as string) as string,
          durationMin: keep(data.durationMin, before.duration_min as number) as number,
          validFrom: opt(data.validFrom, before.valid_from),
          validUntil: opt(data.validUntil, before.valid_until),
        };
  // The same checks as a create, so the paths of any issue are the body's field names.
  const full = MaintenanceWindowInput.parse(merged);
  let dealerId = before.dealer_id;
  if (data.scope) {
    dealerId = await windowDealer(ctx, actor, data.scope);
    if (data.scope.kind === 'dealer' && !dealerWide(actor.scope)) {
      throw new ForbiddenError(
        'a head may not make a maintenance window dealer-wide: scope it to a unit, client, installation or online access',
      );
    }
  }
  if (data.dealerId !== undefined && data.dealerId !== dealerId) throw new NotFoundError(full.scope.kind);
  const now = ctx.clock.now();
  const values = windowValues(full);
  const scheduleChanged = data.kind !== undefined || data.start !== undefined || data.end !== undefined;
  // Editing the comment of a past one-off window is fine; moving one into the past is not.
  if (full.kind === 'once' && scheduleChanged && (values.ends_at as number) <= now) {
    invalid(['end'], 'must be in the future');
  }
  return withTx(ctx, async (db) => {
    const row = await db
      .updateTable('maintenance_windows')
      .set({
        dealer_id: dealerId,
        scope_kind: full.scope.kind,
        scope_id: full.scope.id,
        time_zone: full.timeZone,
        kind: full.kind,
        ...values,
        comment: full.comment,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(db, ctx.clock, actor, {
      dealerId,
      action: 'update',
      entity: 'maintenance_window',
      entityId: id,
      details: { changed: Object.keys(data).sort(), scope: full.scope, kind: full.kind },
    });
    return toWindow(actor, row, now);
  });
}

export async function deleteMaintenanceWindow(ctx: AppContext, actor: Actor, id: number): Promise<void> {
  const before = await windowRow(ctx.db, actor, id);
  requireWrite(actor);
  if (before.scope_kind === 'dealer' && !dealerWide(actor.scope)) {
    throw new ForbiddenError(
      'only the operator and dealer-wide roles may delete a dealer-wide maintenance window',
    );
  }
  await withTx(ctx, async (db) => {
    await db.deleteFrom('maintenance_windows').where('id', '=', id).execute();
    await audit(db, ctx.clock, actor, {
      dealerId: before.dealer_id,
      action: 'delete',
      entity: 'maintenance_window',
      entityId: id,
      details: { scope: { kind: before.scope_kind, id: before.scope_id } },
    });
  });
}

/** What holds notifications back at a time (default now): active silences and windows the caller sees. */
export async function activeSuppressions(
  ctx: AppContext,
  actor: Actor,
  opts: { dealerId?: number; at?: number } = {},
): Promise<{ at: number; silences: Silence[]; windows: MaintenanceWindow[] }> {
  const at = opts.at ?? ctx.clock.now();
  let sq = ctx.db
    .selectFrom('silences as s')
    .selectAll()
    .where(configVisible(actor.scope, 's'))
    .where('s.starts_at', '<=', at)
    .where('s.ends_at', '>', at);
  if (opts.dealerId !== undefined) sq = sq.where('s.dealer_id', '=', opts.dealerId);
  const silences = (await sq.orderBy('s.id').execute()).map((r) => toSilence(actor, r, at));
  const windows = (await listMaintenanceWindows(ctx, actor, { dealerId: opts.dealerId, at })).filter(
    (w) => w.active,
  );
  return { at, silences, windows };
}

// ---- alert settings ----

export const AlertSettingsInput = z
  .object({
    dealerId: Id.optional(),
    enabled: z.boolean().default(true),
    /** Only for alerts with a `…Count` sibling: more than this many firing instances fire the Count. */
    countThreshold: z.number().int().min(1).max(10_000).nullable().optional(),
    forMs: z
      .number()
      .int()
      .min(0)
      .max(7 * DAY)
      .nullable()
      .optional(),
    keepFiringForMs: z
      .number()
      .int()
      .min(0)
      .max(7 * DAY)
      .nullable()
      .optional(),
    groupWaitMs: z.number().int().min(0).max(HOUR).nullable().optional(),
    groupIntervalMs: z.number().int().min(1_000).max(DAY).nullable().optional(),
    repeatIntervalMs: z
      .number()
      .int()
      .min(MIN)
      .max(30 * DAY)
      .nullable()
      .optional(),
    /** Thresholds of the alert; only the keys its catalogue entry has. */
    params: z.record(z.string().min(1).max(60), z.number().finite().min(0).max(1e9)).optional(),
  })
  .strict();
export type AlertSettingsInput = z.input<typeof AlertSettingsInput>;

export type AlertSettingsOverride = StoredAlertSettings;

export interface AlertSettingsView {
  dealerId: number;
  name: string;
  /** The dealer's stored values (null fields = the catalogue's); null when nothing is stored. */
  override: AlertSettingsOverride | null;
  effective: EffectiveSettings;
}

async function settingsView(db: Db, dealerId: number, name: string): Promise<AlertSettingsView> {
  const row = await db
    .selectFrom('alert_settings')
    .selectAll()
    .where('dealer_id', '=', dealerId)
    .where('name', '=', name)
    .executeTakeFirst();
  return {
    dealerId,
    name,
    override: row
      ? {
          enabled: row.enabled === 1,
          countThreshold: row.count_threshold,
          forMs: row.for_ms,
          keepFiringForMs: row.keep_firing_for_ms,
          groupWaitMs: row.group_wait_ms,
          groupIntervalMs: row.group_interval_ms,
          repeatIntervalMs: row.repeat_interval_ms,
          params: row.params ? (JSON.parse(row.params) as Record<string, number>) : {},
          updatedAt: row.updated_at,
        }
      : null,
    effective: effectiveSettings(await loadOverrides(db, dealerId), name),
  };
}

export async function getAlertSettings(
  ctx: AppContext,
  actor: Actor,
  name: string,
  dealerId?: number,
): Promise<AlertSettingsView> {
  const primary = primaryName(name);
  const id = await dealerOf(ctx, actor, dealerId);
  return settingsView(ctx.db, id, primary);
}

/**
 * Replaces a dealer's settings of one alert (a field left out or null takes the catalogue's value).
 * The operator and dealer-admins only.
 */
export async function putAlertSettings(
  ctx: AppContext,
  actor: Actor,
  name: string,
  input: AlertSettingsInput,
): Promise<AlertSettingsView> {
  const def = requireAlertDef(primaryName(name));
  const data = AlertSettingsInput.parse(input);
  const dealerId = await dealerOf(ctx, actor, data.dealerId);
  requireDealerAdmin(actor);
  if (data.countThreshold != null && def.countThreshold === undefined) {
    invalid(['countThreshold'], `${def.name} has no Count sibling, so it has no Count threshold`);
  }
  const allowed = Object.keys(def.params ?? {});
  for (const key of Object.keys(data.params ?? {})) {
    if (!allowed.includes(key)) {
      invalid(
        ['params', key],
        allowed.length === 0
          ? `${def.name} has no parameters`
          : `unknown parameter of ${def.name}; it has ${allowed.join(', ')}`,
      );
    }
  }
  const now = ctx.clock.now();
  const values = {
    enabled: data.enabled ? 1 : 0,
    count_threshold: data.countThreshold ?? null,
    for_ms: data.forMs ?? null,
    keep_firing_for_ms: data.keepFiringForMs ?? null,
    group_wait_ms: data.groupWaitMs ?? null,
    group_interval_ms: data.groupIntervalMs ?? null,
    repeat_interval_ms: data.repeatIntervalMs ?? null,
    params: data.params && Object.keys(data.params).length > 0 ? JSON.stringify(data.params) : null,
    updated_at: now,
  };
  const view = await withTx(ctx, async (db) => {
    await db
      .insertInto('alert_settings')
      .values({ dealer_id: dealerId, name: def.name, ...values })
      .onConflict((oc) => oc.columns(['dealer_id', 'name']).doUpdateSet(values))
      .execute();
    await audit(db, ctx.clock, actor, {
      dealerId,
      action: 'update',
      entity: 'alert_settings',
      entityId: def.name,
      details: { ...data, dealerId: undefined },
    });
    return settingsView(db, dealerId, def.name);
  });
  forgetAlertSettings(ctx, dealerId);
  return view;
}

/** Drops a dealer's settings of one alert: the catalogue's values apply again. */
export async function resetAlertSettings(
  ctx: AppContext,
  actor: Actor,
  name: string,
  dealerId?: number,
): Promise<AlertSettingsView> {
  const primary = primaryName(name);
  const id = await dealerOf(ctx, actor, dealerId);
  requireDealerAdmin(actor);
  const view = await withTx(ctx, async (db) => {
    await db.deleteFrom('alert_settings').where('dealer_id', '=', id).where('name', '=', primary).execute();
    await audit(db, ctx.clock, actor, {
      dealerId: id,
      action: 'delete',
      entity: 'alert_settings',
      entityId: primary,
    });
    return settingsView(db, id, primary);
  });
  forgetAlertSettings(ctx, id);
  return view;
}
