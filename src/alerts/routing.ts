/**
 * Who is told about an alert instance (spec §2.5, R-ALR-05). Defaults: the managers' e-mail of the
 * object always; `high` alerts also to the high-priority mailboxes and Telegram chats; `analytics`
 * alerts to the analytics mailboxes. Channels belong to the dealer or to an org unit (and reach
 * everything below it). Rules, in order, then add channels or replace the set.
 */
import type { Db } from '../db/database.js';
import { alertDef, countSiblingOf } from './catalogue.js';
import { matches, parseMatchers, type AlertMatchers } from './matchers.js';

export type ReceiverKind = 'email' | 'telegram' | 'webhook';

export interface Receiver {
  kind: ReceiverKind;
  target: string;
  channelId: number | null;
  /** Only the Count form of the alert goes here (Telegram and a base alert that is not `high`). */
  countOnly: boolean;
}

export interface ChannelConfig {
  id: number;
  unitId: number | null;
  kind: ReceiverKind;
  class: 'high' | 'analytics' | 'all';
  target: string;
  enabled: boolean;
}

export interface RuleConfig {
  id: number;
  unitId: number | null;
  matchers: AlertMatchers;
  mode: 'add' | 'replace';
  channelIds: number[];
  managers: boolean;
}

/** A dealer's routing, loaded once per evaluation batch. */
export interface DealerRouting {
  dealerId: number;
  channels: ChannelConfig[];
  rules: RuleConfig[];
  /** unit id → its path of ids ("/3/7/"). */
  unitPaths: Map<number, string>;
}

export async function loadDealerRouting(db: Db, dealerId: number): Promise<DealerRouting> {
  const [channels, rules, units] = await Promise.all([
    db.selectFrom('notification_channels').selectAll().where('dealer_id', '=', dealerId).execute(),
    db
      .selectFrom('notification_rules')
      .selectAll()
      .where('dealer_id', '=', dealerId)
      .where('enabled', '=', 1)
      .orderBy('position')
      .orderBy('id')
      .execute(),
    db.selectFrom('org_units').select(['id', 'path']).where('dealer_id', '=', dealerId).execute(),
  ]);
  return {
    dealerId,
    channels: channels.map((c) => ({
      id: c.id,
      unitId: c.unit_id,
      kind: c.kind as ReceiverKind,
      class: c.class as ChannelConfig['class'],
      target: c.target,
      enabled: c.enabled === 1,
    })),
    rules: rules.map((r) => ({
      id: r.id,
      unitId: r.unit_id,
      matchers: parseMatchers(r.matchers),
      mode: r.mode as RuleConfig['mode'],
      channelIds: JSON.parse(r.channel_ids) as number[],
      managers: r.managers === 1,
    })),
    unitPaths: new Map(units.map((u) => [u.id, u.path])),
  };
}

/** Does something attached to `ownerUnit` (null = the dealer) cover an object of `objectUnit`? */
export function unitCovers(r: DealerRouting, ownerUnit: number | null, objectUnit: number | null): boolean {
  if (ownerUnit === null) return true;
  if (objectUnit === null) return false;
  const path = r.unitPaths.get(objectUnit);
  return path !== undefined && path.includes(`/${ownerUnit}/`);
}

export interface RoutableInstance {
  name: string;
  labels: Record<string, string>;
  unitId: number | null;
  /** The managers' e-mail addresses of the object. */
  managerEmails: string[];
}

export function receiversFor(r: DealerRouting, inst: RoutableInstance): Receiver[] {
  const def = alertDef(inst.name);
  if (!def) return [];
  const sibling = countSiblingOf(def.name);
  const channels = r.channels.filter((c) => c.enabled && unitCovers(r, c.unitId, inst.unitId));
  const byId = new Map(channels.map((c) => [c.id, c]));
  const out = new Map<string, Receiver>();
  const addChannel = (c: ChannelConfig, countOnly: boolean) => {
    const key = `${c.kind}:${c.target}`;
    const prev = out.get(key);
    // A receiver that gets the alert itself is not limited to its Count form.
    if (!prev || (prev.countOnly && !countOnly)) {
      out.set(key, { kind: c.kind, target: c.target, channelId: c.id, countOnly });
    }
  };
  const addManagers = () => {
    for (const e of inst.managerEmails) {
      const key = `email:${e.toLowerCase()}`;
      if (!out.has(key)) out.set(key, { kind: 'email', target: e, channelId: null, countOnly: false });
    }
  };

  addManagers();
  for (const c of channels) {
    const fits = c.class === 'all' || c.class === def.class;
    if (fits) addChannel(c, false);
    // Telegram hears about mass problems even of alerts it does not take one by one.
    else if (
      c.kind === 'telegram' &&
      sibling &&
      (c.class === 'high' || c.class === 'all') &&
      sibling.class === 'high'
    )
      addChannel(c, true);
  }
  for (const rule of r.rules) {
    if (!unitCovers(r, rule.unitId, inst.unitId)) continue;
    if (!matches(rule.matchers, inst)) continue;
    if (rule.mode === 'replace') {
      out.clear();
      if (rule.managers) addManagers();
    }
    for (const id of rule.channelIds) {
      const c = byId.get(id);
      if (c) addChannel(c, false);
    }
    if (rule.mode === 'replace') break;
  }
  return [...out.values()];
}
