import { z } from 'zod';
import type { AppContext } from '../context.js';
import type { InstallationRow } from '../db/schema.js';
import { withTx } from '../db/tx.js';
import { ConflictError, NotFoundError, ValidationError } from '../lib/errors.js';
import { audit } from '../tenancy/audit.js';
import { Email, getManager } from '../tenancy/managers.js';
import { clientVisible, requireWrite, type Actor } from '../tenancy/scope.js';
import { addClientManagers, dropUnlinkedClientManagers, getClient } from './clients.js';
import { agentNameProblem, defaultPort, HostName, Port, Protocol } from './names.js';

/** polled: SMART reaches it by URL; agent: smartupload pushes; closed: reports are uploaded by hand. */
export const INSTALLATION_KINDS = ['polled', 'agent', 'closed'] as const;
export type InstallationKind = (typeof INSTALLATION_KINDS)[number];

export const ManagerLink = z.object({ managerId: z.number().int().positive(), email: Email });
export type ManagerLink = z.infer<typeof ManagerLink>;

const Settings = {
  probeEnabled: z.boolean(),
  collectIntervalS: z
    .number()
    .int()
    .min(60)
    .max(7 * 86400),
  asrpPeriodS: z
    .number()
    .int()
    .min(3600)
    .max(90 * 86400),
  /** Minutes east of UTC, whole quarter-hours, UTC−12 … UTC+14. */
  utcOffsetMin: z
    .number()
    .int()
    .min(-12 * 60)
    .max(14 * 60)
    .refine((v) => v % 15 === 0, 'must be a multiple of 15 minutes'),
  smartloginUser: z
    .string()
    .trim()
    .regex(/^[A-Za-z][A-Za-z0-9]{0,63}$/, 'must start with a Latin letter and contain letters or digits')
    .nullable(),
  smartloginPassword: z.string().min(1).max(256).nullable(),
  probeIntervalS: z.number().int().min(15).max(3600),
  behindProxy: z.boolean(),
  licmanAddress: HostName.nullable(),
  licmanPort: Port.nullable(),
};

export const InstallationInput = z
  .object({
    clientId: z.number().int().positive(),
    kind: z.enum(INSTALLATION_KINDS),
    /** For agent/closed: the client name the agent uploads as; defaults to the client's short name. */
    sourceName: z.string().trim().optional(),
    address: HostName.nullable().optional(),
    port: Port.nullable().optional(),
    protocol: Protocol.nullable().optional(),
    probeEnabled: Settings.probeEnabled.optional(),
    collectIntervalS: Settings.collectIntervalS.default(3600),
    asrpPeriodS: Settings.asrpPeriodS.default(604800),
    utcOffsetMin: Settings.utcOffsetMin.default(180),
    smartloginUser: Settings.smartloginUser.optional(),
    smartloginPassword: Settings.smartloginPassword.optional(),
    probeIntervalS: Settings.probeIntervalS.default(60),
    behindProxy: Settings.behindProxy.default(false),
    licmanAddress: Settings.licmanAddress.optional(),
    licmanPort: Settings.licmanPort.optional(),
    managers: z.array(ManagerLink).max(50).default([]),
  })
  .superRefine((v, c) => {
    if (v.kind === 'polled' && !v.address) {
      c.addIssue({ code: 'custom', path: ['address'], message: 'a polled installation needs an address' });
    }
  });
export type InstallationInput = z.input<typeof InstallationInput>;

export const InstallationPatch = z.object({
  address: HostName.nullable().optional(),
  port: Port.nullable().optional(),
  protocol: Protocol.nullable().optional(),
  probeEnabled: Settings.probeEnabled.optional(),
  collectIntervalS: Settings.collectIntervalS.optional(),
  asrpPeriodS: Settings.asrpPeriodS.optional(),
  utcOffsetMin: Settings.utcOffsetMin.optional(),
  smartloginUser: Settings.smartloginUser.optional(),
  smartloginPassword: Settings.smartloginPassword.optional(),
  probeIntervalS: Settings.probeIntervalS.optional(),
  behindProxy: Settings.behindProxy.optional(),
  licmanAddress: Settings.licmanAddress.optional(),
  licmanPort: Settings.licmanPort.optional(),
  managers: z.array(ManagerLink).max(50).optional(),
});
export type InstallationPatch = z.input<typeof InstallationPatch>;

export interface Installation {
  id: number;
  dealerId: number;
  clientId: number;
  kind: InstallationKind;
  sourceKey: string;
  address: string | null;
  port: number | null;
  protocol: 'http' | 'https' | null;
  probeEnabled: boolean;
  collectIntervalS: number;
  asrpPeriodS: number;
  utcOffsetMin: number;
  smartloginUser: string | null;
  /** Whether a smartlogin password is stored; the password itself is never returned. */
  smartloginPasswordSet: boolean;
  probeIntervalS: number;
  behindProxy: boolean;
  licmanAddress: string | null;
  licmanPort: number | null;
  managers: ManagerLink[];
}

export function sourceKeyOf(
  kind: InstallationKind,
  address: string | null,
  port: number | null,
  name: string,
): string {
  return kind === 'polled' ? `${address}:${port}` : name;
}

async function hydrate(ctx: AppContext, rows: InstallationRow[]): Promise<Installation[]> {
  const ids = rows.map((r) => r.id);
  const links = ids.length
    ? await ctx.db
        .selectFrom('installation_managers')
        .selectAll()
        .where('installation_id', 'in', ids)
        .execute()
    : [];
  return rows.map((r) => ({
    id: r.id,
    dealerId: r.dealer_id,
    clientId: r.client_id,
    kind: r.kind as InstallationKind,
    sourceKey: r.source_key,
    address: r.address,
    port: r.port,
    protocol: r.protocol as 'http' | 'https' | null,
    probeEnabled: r.probe_enabled === 1,
    collectIntervalS: r.collect_interval_s,
    asrpPeriodS: r.asrp_period_s,
    utcOffsetMin: r.utc_offset_min,
    smartloginUser: r.smartlogin_user,
    smartloginPasswordSet: r.smartlogin_password_enc !== null,
    probeIntervalS: r.probe_interval_s,
    behindProxy: r.behind_proxy === 1,
    licmanAddress: r.licman_address,
    licmanPort: r.licman_port,
    managers: links
      .filter((l) => l.installation_id === r.id)
      .map((l) => ({ managerId: l.manager_id, email: l.email }))
      .sort((a, b) => a.managerId - b.managerId),
  }));
}

export interface InstallationFilter {
  dealerId?: number;
  clientId?: number;
  kind?: InstallationKind;
  sourceKey?: string;
}

export async function listInstallations(
  ctx: AppContext,
  actor: Actor,
  filter: InstallationFilter = {},
): Promise<Installation[]> {
  let q = ctx.db
    .selectFrom('installations')
    .selectAll()
    .where(clientVisible(actor.scope, 'installations.client_id'));
  if (filter.dealerId !== undefined) q = q.where('dealer_id', '=', filter.dealerId);
  if (filter.clientId !== undefined) q = q.where('client_id', '=', filter.clientId);
  if (filter.kind !== undefined) q = q.where('kind', '=', filter.kind);
  if (filter.sourceKey !== undefined) q = q.where('source_key', '=', filter.sourceKey);
  return hydrate(ctx, await q.orderBy('source_key').execute());
}

export async function getInstallation(ctx: AppContext, actor: Actor, id: number): Promise<Installation> {
  const row = await ctx.db
    .selectFrom('installations')
    .selectAll()
    .where('id', '=', id)
    .where(clientVisible(actor.scope, 'installations.client_id'))
    .executeTakeFirst();
  if (!row) throw new NotFoundError('installation');
  return (await hydrate(ctx, [row]))[0] as Installation;
}

/** The stored smartlogin password, decrypted; for the pull and probe code, never for API output. */
export async function smartloginPassword(ctx: AppContext, actor: Actor, id: number): Promise<string | null> {
  await getInstallation(ctx, actor, id);
  const row = await ctx.db
    .selectFrom('installations')
    .select('smartlogin_password_enc')
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  return row.smartlogin_password_enc === null ? null : ctx.secrets.decrypt(row.smartlogin_password_enc);
}

async function checkManagerLinks(ctx: AppContext, actor: Actor, dealerId: number, links: ManagerLink[]) {
  for (const l of links) {
    const m = await getManager(ctx, actor, l.managerId);
    if (m.dealerId !== dealerId) throw new NotFoundError('manager');
  }
  const byId = new Map(links.map((l) => [l.managerId, l]));
  return [...byId.values()];
}

async function setManagerLinks(ctx: AppContext, installationId: number, links: ManagerLink[]): Promise<void> {
  await ctx.db.deleteFrom('installation_managers').where('installation_id', '=', installationId).execute();
  if (links.length) {
    await ctx.db
      .insertInto('installation_managers')
      .values(
        links.map((l) => ({ installation_id: installationId, manager_id: l.managerId, email: l.email })),
      )
      .execute();
  }
}

export async function createInstallation(
  ctx: AppContext,
  actor: Actor,
  input: InstallationInput,
): Promise<Installation> {
  requireWrite(actor);
  const data = InstallationInput.parse(input);
  const client = await getClient(ctx, actor, data.clientId);
  return withTx(ctx, async (db) => {
    const t = { ...ctx, db };
    let address: string | null = null;
    let port: number | null = null;
    let protocol: 'http' | 'https' | null = data.protocol ?? null;
    let name = data.sourceName ?? client.shortName;
    if (data.kind === 'polled') {
      protocol ??= 'http';
      address = data.address ?? null;
      port = data.port ?? defaultPort(protocol);
    } else {
      const problem = agentNameProblem(name);
      if (problem) throw ValidationError.about('sourceName', `source name "${name}" ${problem}`);
      address = data.address ?? null;
      port = data.port ?? null;
      name = name.trim();
    }
    const sourceKey = sourceKeyOf(data.kind, address, port, name);
    const dup = await db
      .selectFrom('installations')
      .select('id')
      .where('dealer_id', '=', client.dealerId)
      .where('source_key', '=', sourceKey)
      .executeTakeFirst();
    if (dup) throw new ConflictError(`installation ${sourceKey} already exists`);
    const links = await checkManagerLinks(t, actor, client.dealerId, data.managers);
    const now = ctx.clock.now();
    const row = await db
      .insertInto('installations')
      .values({
        dealer_id: client.dealerId,
        client_id: client.id,
        kind: data.kind,
        source_key: sourceKey,
        address,
        port,
        protocol,
        probe_enabled: Number(data.probeEnabled ?? data.kind === 'polled'),
        collect_interval_s: data.collectIntervalS,
        asrp_period_s: data.asrpPeriodS,
        utc_offset_min: data.utcOffsetMin,
        smartlogin_user: data.smartloginUser ?? null,
        smartlogin_password_enc: data.smartloginPassword
          ? ctx.secrets.encrypt(data.smartloginPassword)
          : null,
        probe_interval_s: data.probeIntervalS,
        behind_proxy: Number(data.behindProxy),
        licman_address: data.licmanAddress ?? null,
        licman_port: data.licmanPort ?? null,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await setManagerLinks(t, row.id, links);
    await addClientManagers(
      t,
      client.id,
      links.map((l) => l.managerId),
    );
    await audit(db, ctx.clock, actor, {
      dealerId: client.dealerId,
      action: 'create',
      entity: 'installation',
      entityId: row.id,
      details: { sourceKey, kind: data.kind, clientId: client.id },
    });
    return getInstallation(t, actor, row.id);
  });
}

export async function updateInstallation(
  ctx: AppContext,
  actor: Actor,
  id: number,
  patch: InstallationPatch,
): Promise<Installation> {
  requireWrite(actor);
  const data = InstallationPatch.parse(patch);
  const before = await getInstallation(ctx, actor, id);
  return withTx(ctx, async (db) => {
    const t = { ...ctx, db };
    const address = data.address === undefined ? before.address : data.address;
    const protocol = data.protocol === undefined ? before.protocol : data.protocol;
    const port = data.port === undefined ? before.port : data.port;
    if (before.kind === 'polled' && (!address || !port || !protocol)) {
      throw ValidationError.about(
        !address ? 'address' : !port ? 'port' : 'protocol',
        'a polled installation needs an address, a port and a protocol',
      );
    }
    const sourceKey = before.kind === 'polled' ? sourceKeyOf('polled', address, port, '') : before.sourceKey;
    if (sourceKey !== before.sourceKey) {
      const dup = await db
        .selectFrom('installations')
        .select('id')
        .where('dealer_id', '=', before.dealerId)
        .where('source_key', '=', sourceKey)
        .executeTakeFirst();
      if (dup) throw new ConflictError(`installation ${sourceKey} already exists`);
    }
    await db
      .updateTable('installations')
      .set({
        source_key: sourceKey,
        address,
        port,
        protocol,
        ...(data.probeEnabled !== undefined ? { probe_enabled: Number(data.probeEnabled) } : {}),
        ...(data.collectIntervalS !== undefined ? { collect_interval_s: data.collectIntervalS } : {}),
        ...(data.asrpPeriodS !== undefined ? { asrp_period_s: data.asrpPeriodS } : {}),
        ...(data.utcOffsetMin !== undefined ? { utc_offset_min: data.utcOffsetMin } : {}),
        ...(data.smartloginUser !== undefined ? { smartlogin_user: data.smartloginUser } : {}),
        ...(data.smartloginPassword !== undefined
          ? {
              smartlogin_password_enc:
                data.smartloginPassword === null ? null : ctx.secrets.encrypt(data.smartloginPassword),
            }
          : {}),
        ...(data.probeIntervalS !== undefined ? { probe_interval_s: data.probeIntervalS } : {}),
        ...(data.behindProxy !== undefined ? { behind_proxy: Number(data.behindProxy) } : {}),
        ...(data.licmanAddress !== undefined ? { licman_address: data.licmanAddress } : {}),
        ...(data.licmanPort !== undefined ? { licman_port: data.licmanPort } : {}),
        updated_at: ctx.clock.now(),
      })
      .where('id', '=', id)
      .execute();
    if (data.managers) {
      const links = await checkManagerLinks(t, actor, before.dealerId, data.managers);
      await setManagerLinks(t, id, links);
      await addClientManagers(
        t,
        before.clientId,
        links.map((l) => l.managerId),
      );
      await dropUnlinkedClientManagers(t, before.clientId);
    }
    const { smartloginPassword: pw, ...shown } = data;
    await audit(db, ctx.clock, actor, {
      dealerId: before.dealerId,
      action: 'update',
      entity: 'installation',
      entityId: id,
      details: {
        ...shown,
        ...(pw !== undefined ? { smartloginPassword: pw === null ? 'cleared' : 'changed' } : {}),
      },
    });
    return getInstallation(t, actor, id);
  });
}

export async function deleteInstallation(ctx: AppContext, actor: Actor, id: number): Promise<void> {
  requireWrite(actor);
  const before = await getInstallation(ctx, actor, id);
  await withTx(ctx, async (db) => {
    await db.deleteFrom('installations').where('id', '=', id).execute();
    await dropUnlinkedClientManagers({ ...ctx, db }, before.clientId);
    await audit(db, ctx.clock, actor, {
      dealerId: before.dealerId,
      action: 'delete',
      entity: 'installation',
      entityId: id,
      details: { sourceKey: before.sourceKey },
    });
  });
}
