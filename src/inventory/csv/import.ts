import type { AppContext } from '../../context.js';
import { getDealer } from '../../tenancy/dealers.js';
import { requireWrite, type Actor } from '../../tenancy/scope.js';
import {
  createInstallation,
  deleteInstallation,
  listInstallations,
  updateInstallation,
  type Installation,
  type InstallationPatch,
} from '../installations.js';
import {
  createOnlineAccess,
  deleteOnlineAccess,
  listOnlineAccesses,
  onlineAccessPassword,
  updateOnlineAccess,
  type OnlineAccessPatch,
} from '../online.js';
import { listClients } from '../clients.js';
import { offsetMinToTzColumn } from '../names.js';
import {
  change,
  ensureClient,
  ensureManagers,
  sameLinks,
  showLinks,
  type ImportTarget,
} from './apply-common.js';
import { readManagersCsv, type PlannedInstallation } from './managers-csv.js';
import { onlineKey, readOnlineCsv } from './online-csv.js';
import type { ImportIssue, ImportOptions, ImportResult } from './types.js';

/** Thrown inside the transaction to undo a dry run, or a run that found errors while applying. */
class Rollback extends Error {}

function emptyResult(kind: ImportResult['kind'], opts: ImportOptions): ImportResult {
  return {
    file: opts.fileName,
    kind,
    dryRun: opts.dryRun ?? false,
    applied: false,
    errors: [],
    warnings: [],
    changes: [],
    counts: { create: 0, update: 0, remove: 0, unchanged: 0 },
  };
}

/**
 * Runs the apply step in one transaction. A dry run goes through exactly the same code and is rolled
 * back at the end, so what it reports is what a real run would do. Any error rolls everything back.
 */
async function inOneTransaction(
  ctx: AppContext,
  result: ImportResult,
  dryRun: boolean,
  apply: (t: AppContext) => Promise<void>,
): Promise<ImportResult> {
  try {
    await ctx.db.transaction().execute(async (db) => {
      await apply({ ...ctx, db });
      if (result.errors.length > 0 || dryRun) throw new Rollback();
    });
    result.applied = true;
  } catch (e) {
    if (!(e instanceof Rollback)) throw e;
  }
  if (result.errors.length > 0) {
    result.changes = [];
    result.counts = { create: 0, update: 0, remove: 0, unchanged: 0 };
  }
  result.errors.sort((a, b) => a.line - b.line);
  return result;
}

async function managerNames(ctx: AppContext, dealerId: number): Promise<Map<number, string>> {
  const rows = await ctx.db
    .selectFrom('managers')
    .select(['id', 'name'])
    .where('dealer_id', '=', dealerId)
    .execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}

interface ApplyStep {
  t: AppContext;
  target: ImportTarget;
  /** Every manager the file names → id (created where missing). */
  managerIds: Map<string, number>;
  /** Manager id → name, for showing changes. */
  names: Map<number, string>;
  result: ImportResult;
}

/**
 * What both imports share: check the caller and the dealer, read the file (errors there end it), then
 * in one transaction make sure the managers exist and apply the rows.
 */
interface ReadFile {
  warnings: ImportIssue[];
  errors: ImportIssue[];
  managers: Map<string, { emails: string[]; line: number }>;
}

async function runImport<F extends ReadFile>(
  ctx: AppContext,
  actor: Actor,
  kind: ImportResult['kind'],
  opts: ImportOptions,
  read: () => F,
  apply: (step: ApplyStep, file: F) => Promise<void>,
): Promise<ImportResult> {
  requireWrite(actor);
  await getDealer(ctx, actor, opts.dealerId);
  const result = emptyResult(kind, opts);
  const file = read();
  result.warnings = file.warnings;
  result.errors = file.errors;
  if (file.errors.length > 0) return result;
  const target: ImportTarget = { dealerId: opts.dealerId, unitId: opts.unitId, file: opts.fileName };
  return inOneTransaction(ctx, result, opts.dryRun ?? false, async (t) => {
    const managerIds = await ensureManagers(t, actor, target, file.managers, result);
    if (result.errors.length) return;
    await apply({ t, target, managerIds, names: await managerNames(t, opts.dealerId), result }, file);
  });
}

/**
 * Imports a managers.csv (both blocks): installations, their clients and managers. Re-importing the
 * same file changes nothing; a later file updates in place; with `prune`, installations the file no
 * longer lists are removed. Nothing is written when any line has an error.
 */
export async function importManagersCsv(
  ctx: AppContext,
  actor: Actor,
  bytes: Buffer,
  opts: ImportOptions,
): Promise<ImportResult> {
  const read = () => readManagersCsv(bytes, opts.fileName);
  return runImport(ctx, actor, 'managers', opts, read, async (a, file) => {
    const { t, target, managerIds, names, result } = a;
    const all = await t.db
      .selectFrom('installations')
      .select(['id', 'source_key'])
      .where('dealer_id', '=', opts.dealerId)
      .execute();
    const visible = new Map(
      (await listInstallations(t, actor, { dealerId: opts.dealerId })).map((i) => [i.sourceKey, i]),
    );
    for (const p of file.installations) {
      const links = p.managers.map((m) => ({ managerId: managerIds.get(m.name) as number, email: m.email }));
      const existing = visible.get(p.sourceKey);
      if (!existing && all.some((r) => r.source_key === p.sourceKey)) {
        result.errors.push({
          file: opts.fileName,
          line: p.line,
          column: 1,
          message: `installation ${p.sourceKey} exists in a part of the dealer you have no access to`,
        });
        continue;
      }
      if (existing) {
        const { patch, fields } = installationDiff(existing, p, links, names);
        if (fields.length === 0) result.counts.unchanged += 1;
        else {
          await updateInstallation(t, actor, existing.id, patch);
          change(result, { action: 'update', entity: 'installation', key: p.sourceKey, fields });
        }
        continue;
      }
      const clientId = await ensureClient(t, actor, target, p.clientName, p.line, result);
      if (clientId === null) continue;
      await createInstallation(t, actor, {
        clientId,
        kind: p.kind,
        sourceName: p.kind === 'agent' ? p.sourceKey : undefined,
        address: p.address,
        port: p.port,
        protocol: p.protocol,
        probeEnabled: p.probeEnabled,
        collectIntervalS: p.collectIntervalS,
        asrpPeriodS: p.asrpPeriodS,
        utcOffsetMin: p.utcOffsetMin,
        managers: links,
      });
      change(result, { action: 'create', entity: 'installation', key: p.sourceKey });
    }
    if (opts.prune) {
      const listed = new Set(file.installations.map((p) => p.sourceKey));
      for (const inst of visible.values()) {
        if (listed.has(inst.sourceKey)) continue;
        await deleteInstallation(t, actor, inst.id);
        change(result, { action: 'remove', entity: 'installation', key: inst.sourceKey });
      }
    }
  });
}

function installationDiff(
  existing: Installation,
  p: PlannedInstallation,
  links: { managerId: number; email: string }[],
  names: Map<number, string>,
): { patch: InstallationPatch; fields: string[] } {
  const patch: InstallationPatch = {};
  const fields: string[] = [];
  const diff = <K extends keyof InstallationPatch>(
    key: K,
    label: string,
    from: unknown,
    to: InstallationPatch[K],
  ) => {
    if (from === to) return;
    patch[key] = to;
    fields.push(`${label}: ${String(from)} → ${String(to)}`);
  };
  if (p.kind === 'polled') diff('protocol', 'protocol', existing.protocol, p.protocol);
  if (existing.probeEnabled !== p.probeEnabled) {
    patch.probeEnabled = p.probeEnabled;
    fields.push(
      `ping: ${existing.probeEnabled ? 'ping' : 'donotping'} → ${p.probeEnabled ? 'ping' : 'donotping'}`,
    );
  }
  if (existing.utcOffsetMin !== p.utcOffsetMin) {
    patch.utcOffsetMin = p.utcOffsetMin;
    fields.push(
      `time zone: ${offsetMinToTzColumn(existing.utcOffsetMin)} → ${offsetMinToTzColumn(p.utcOffsetMin)}`,
    );
  }
  diff('collectIntervalS', 'collection interval', existing.collectIntervalS, p.collectIntervalS);
  diff('asrpPeriodS', 'ASRP period', existing.asrpPeriodS, p.asrpPeriodS);
  if (!sameLinks(existing.managers, links)) {
    patch.managers = links;
    fields.push(`managers: ${showLinks(existing.managers, names)} → ${showLinks(links, names)}`);
  }
  return { patch, fields };
}

/**
 * Imports an online.csv: online accesses with their clients (by firm name) and managers. An empty
 * password keeps the stored one (so an export without secrets can be edited and loaded back).
 */
export async function importOnlineCsv(
  ctx: AppContext,
  actor: Actor,
  bytes: Buffer,
  opts: ImportOptions,
): Promise<ImportResult> {
  const read = () => readOnlineCsv(bytes, opts.fileName);
  return runImport(ctx, actor, 'online', opts, read, async (a, file) => {
    const { t, target, managerIds, names, result } = a;
    const all = await t.db
      .selectFrom('online_accesses')
      .select(['login', 'host', 'folder'])
      .where('dealer_id', '=', opts.dealerId)
      .execute();
    const allKeys = new Set(all.map(onlineKey));
    const visible = new Map(
      (await listOnlineAccesses(t, actor, { dealerId: opts.dealerId })).map((o) => [onlineKey(o), o]),
    );
    const clientNames = new Map(
      (await listClients(t, actor, { dealerId: opts.dealerId })).map((c) => [c.id, c.shortName]),
    );
    for (const p of file.accesses) {
      const key = onlineKey(p);
      const links = p.managers.map((m) => ({ managerId: managerIds.get(m.name) as number, email: m.email }));
      const existing = visible.get(key);
      if (!existing && allKeys.has(key)) {
        result.errors.push({
          file: opts.fileName,
          line: p.line,
          message: `online access ${key} exists in a part of the dealer you have no access to`,
        });
        continue;
      }
      if (!existing && !p.password) {
        result.errors.push({
          file: opts.fileName,
          line: p.line,
          column: 3,
          columnName: 'password',
          message: 'the password is empty; a new online access needs one',
        });
        continue;
      }
      const clientId = await ensureClient(t, actor, target, p.firmName, p.line, result);
      if (clientId === null) continue;
      if (!existing) {
        await createOnlineAccess(t, actor, {
          clientId,
          login: p.login,
          password: p.password,
          host: p.host,
          folder: p.folder,
          protocol: p.protocol,
          managers: links,
        });
        change(result, { action: 'create', entity: 'online_access', key });
        continue;
      }
      const patch: OnlineAccessPatch = {};
      const fields: string[] = [];
      if (existing.clientId !== clientId) {
        patch.clientId = clientId;
        fields.push(`firmname: ${clientNames.get(existing.clientId) ?? '?'} → ${p.firmName}`);
      }
      if (existing.protocol !== p.protocol) {
        patch.protocol = p.protocol;
        fields.push(`protocol: ${existing.protocol} → ${p.protocol}`);
      }
      if (p.password && p.password !== (await onlineAccessPassword(t, actor, existing.id))) {
        patch.password = p.password;
        fields.push('password: changed');
      }
      if (!sameLinks(existing.managers, links)) {
        patch.managers = links;
        fields.push(`managers: ${showLinks(existing.managers, names)} → ${showLinks(links, names)}`);
      }
      if (fields.length === 0) result.counts.unchanged += 1;
      else {
        await updateOnlineAccess(t, actor, existing.id, patch);
        change(result, { action: 'update', entity: 'online_access', key, fields });
      }
    }
    if (opts.prune) {
      const listed = new Set(file.accesses.map(onlineKey));
      for (const [key, o] of visible) {
        if (listed.has(key)) continue;
        await deleteOnlineAccess(t, actor, o.id);
        change(result, { action: 'remove', entity: 'online_access', key });
      }
    }
  });
}
