import { stringify } from 'csv-stringify/sync';
import type { AppContext } from '../../context.js';
import { ForbiddenError } from '../../lib/errors.js';
import { audit } from '../../tenancy/audit.js';
import { getDealer } from '../../tenancy/dealers.js';
import { listManagers } from '../../tenancy/managers.js';
import type { Actor } from '../../tenancy/scope.js';
import { listClients } from '../clients.js';
import { listInstallations, type Installation } from '../installations.js';
import { offsetMinToTzColumn } from '../names.js';
import { listOnlineAccesses, onlineAccessPassword } from '../online.js';

export interface ExportOptions {
  dealerId: number;
  /** Include passwords (online.csv); otherwise the password column is left empty. */
  withSecrets?: boolean;
}

function csv(rows: (string | number)[][]): string {
  return stringify(rows, { record_delimiter: '\n' });
}

async function managerNames(ctx: AppContext, actor: Actor, dealerId: number): Promise<Map<number, string>> {
  return new Map((await listManagers(ctx, actor, dealerId)).map((m) => [m.id, m.name]));
}

/** One row per (installation, manager); an installation without managers gets one row with them empty. */
function installationRows(i: Installation, names: Map<number, string>): (string | number)[][] {
  const col1 = i.kind === 'polled' ? `${i.address}:${i.port}` : i.sourceKey;
  const col4 = i.kind === 'polled' ? (i.protocol ?? 'http') : 'smartupload';
  const tail = [
    col4,
    'download',
    'upload',
    'process',
    i.probeEnabled ? 'ping' : 'donotping',
    offsetMinToTzColumn(i.utcOffsetMin),
    i.collectIntervalS,
    i.asrpPeriodS,
  ];
  const links = i.managers.length ? i.managers : [{ managerId: 0, email: '' }];
  return links.map((l) => [col1, names.get(l.managerId) ?? '', l.email, ...tail]);
}

/**
 * managers.csv of the dealer's installations in the actor's scope, in the import format: block 1
 * (installations reached by URL), a blank line, block 2 (agents and closed installations).
 */
export async function exportManagersCsv(ctx: AppContext, actor: Actor, opts: ExportOptions): Promise<string> {
  await getDealer(ctx, actor, opts.dealerId);
  const names = await managerNames(ctx, actor, opts.dealerId);
  const all = await listInstallations(ctx, actor, { dealerId: opts.dealerId });
  const block1 = all.filter((i) => i.kind === 'polled').flatMap((i) => installationRows(i, names));
  const block2 = all.filter((i) => i.kind !== 'polled').flatMap((i) => installationRows(i, names));
  return [csv(block1), csv(block2)].filter(Boolean).join('\n');
}

/** online.csv of the dealer's online accesses in the actor's scope; passwords only on request. */
export async function exportOnlineCsv(ctx: AppContext, actor: Actor, opts: ExportOptions): Promise<string> {
  if (opts.withSecrets && actor.role !== 'operator' && actor.role !== 'dealer-admin') {
    throw new ForbiddenError('only the operator and dealer admins may export passwords');
  }
  await getDealer(ctx, actor, opts.dealerId);
  if (opts.withSecrets) {
    // Reading stored passwords back is recorded, like any other access to credentials.
    await audit(ctx.db, ctx.clock, actor, {
      dealerId: opts.dealerId,
      action: 'export',
      entity: 'online_access',
      entityId: '*',
      details: { withSecrets: true },
    });
  }
  const names = await managerNames(ctx, actor, opts.dealerId);
  const clients = new Map((await listClients(ctx, actor, { dealerId: opts.dealerId })).map((c) => [c.id, c]));
  const rows: (string | number)[][] = [];
  for (const o of await listOnlineAccesses(ctx, actor, { dealerId: opts.dealerId })) {
    const password = opts.withSecrets ? await onlineAccessPassword(ctx, actor, o.id) : '';
    const links = o.managers.length ? o.managers : [{ managerId: 0, email: '' }];
    for (const l of links) {
      rows.push([
        clients.get(o.clientId)?.shortName ?? '',
        o.login,
        password,
        o.host,
        o.folder,
        o.protocol,
        names.get(l.managerId) ?? '',
        l.email,
      ]);
    }
  }
  return csv(rows);
}
