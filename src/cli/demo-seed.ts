import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppContext } from '../context.js';
import { listClients, updateClient } from '../inventory/clients.js';
import { importManagersCsv, importOnlineCsv } from '../inventory/csv/import.js';
import { formatIssue, type ImportResult } from '../inventory/csv/types.js';
import { createDealer, listDealers, type Dealer } from '../tenancy/dealers.js';
import { createManager, listManagers, type Manager } from '../tenancy/managers.js';
import type { Actor, Role } from '../tenancy/scope.js';
import { createUnit, listUnits, type OrgUnit } from '../tenancy/units.js';
import { createUser, listUsers } from '../tenancy/users.js';

/**
 * The demo data set: a dealer with two branches, four managers, three users and the sample CSVs in
 * demo/. Every step looks before it writes, so a second run changes nothing. Later demo steps (the
 * simulated fleet) are added as further steps of seedDemo.
 */
export const DEMO_DIR = fileURLToPath(new URL('../../demo/', import.meta.url));

export const DEMO_DEALER = { code: 'demo', name: 'Демо-дилер' } as const;

/** Unit name paths, parents first. */
export const DEMO_UNITS = ['Филиал Север', 'Филиал Север/Отдел сопровождения', 'Филиал Юг'] as const;

export const DEMO_MANAGERS = [
  { name: 'Иванов Иван', emails: ['ivanov@example.ru'], unit: 'Филиал Север/Отдел сопровождения' },
  { name: 'Сидоров Пётр', emails: ['sidorov@example.ru'], unit: 'Филиал Север' },
  { name: 'Петрова Анна', emails: ['petrova@example.ru'], unit: 'Филиал Юг' },
  { name: 'Кузнецова Мария', emails: ['kuznetsova@example.ru'], unit: 'Филиал Юг' },
] as const;

export interface DemoLogin {
  login: string;
  password: string;
  role: Role;
  sees: string;
}

interface DemoUser extends DemoLogin {
  unit?: string;
  manager?: string;
}

// Weak passwords on purpose: this is a local demo, and createUser is told so explicitly.
const DEMO_USERS: DemoUser[] = [
  { login: 'demo', password: 'demo', role: 'dealer-admin', sees: 'the whole demo dealer' },
  {
    login: 'head',
    password: 'head',
    role: 'head',
    unit: 'Филиал Север',
    sees: 'branch "Филиал Север" and below',
  },
  {
    login: 'manager',
    password: 'manager',
    role: 'manager',
    manager: 'Иванов Иван',
    sees: 'the clients of manager Иванов Иван',
  },
];

export const DEMO_LOGINS: DemoLogin[] = DEMO_USERS.map(({ login, password, role, sees }) => ({
  login,
  password,
  role,
  sees,
}));

export interface DemoSeedReport {
  dealer: Dealer;
  /** The dealer's upload token, known only on the run that created the dealer. */
  uploadToken: string | null;
  /** What this run created or changed, for people (`unit Филиал Юг`, `user demo`, ...). */
  created: string[];
  /** Imports that wrote something; empty when the files were already imported. */
  imports: ImportResult[];
  logins: DemoLogin[];
}

async function ensureDealer(
  ctx: AppContext,
  actor: Actor,
  report: Omit<DemoSeedReport, 'dealer'>,
): Promise<Dealer> {
  const existing = (await listDealers(ctx, actor)).find((d) => d.code === DEMO_DEALER.code);
  if (existing) return existing;
  const { dealer, uploadToken } = await createDealer(ctx, actor, DEMO_DEALER);
  report.uploadToken = uploadToken;
  report.created.push(`dealer ${dealer.code}`);
  return dealer;
}

async function ensureUnits(ctx: AppContext, actor: Actor, dealer: Dealer, created: string[]) {
  const units = new Map<string, OrgUnit>();
  const existing = await listUnits(ctx, actor, dealer.id);
  for (const namePath of DEMO_UNITS) {
    const names = namePath.split('/');
    const name = names[names.length - 1] as string;
    const parent = names.length > 1 ? units.get(names.slice(0, -1).join('/')) : undefined;
    const parentId = parent?.id ?? null;
    let unit = existing.find((u) => u.parentId === parentId && u.name === name);
    if (!unit) {
      unit = await createUnit(ctx, actor, { dealerId: dealer.id, parentId, name });
      created.push(`unit ${namePath}`);
    }
    units.set(namePath, unit);
  }
  return units;
}

async function ensureManagers(
  ctx: AppContext,
  actor: Actor,
  dealer: Dealer,
  units: Map<string, OrgUnit>,
  created: string[],
): Promise<Map<string, Manager>> {
  const existing = await listManagers(ctx, actor, dealer.id);
  const out = new Map<string, Manager>();
  for (const m of DEMO_MANAGERS) {
    let manager = existing.find((x) => x.name === m.name);
    if (!manager) {
      manager = await createManager(ctx, actor, {
        dealerId: dealer.id,
        unitId: units.get(m.unit)?.id ?? null,
        name: m.name,
        emails: [...m.emails],
      });
      created.push(`manager ${m.name}`);
    }
    out.set(m.name, manager);
  }
  return out;
}

async function ensureUsers(
  ctx: AppContext,
  actor: Actor,
  dealer: Dealer,
  units: Map<string, OrgUnit>,
  managers: Map<string, Manager>,
  created: string[],
): Promise<void> {
  const existing = new Set((await listUsers(ctx, actor)).map((u) => u.login));
  for (const u of DEMO_USERS) {
    if (existing.has(u.login)) continue;
    const manager = u.manager ? managers.get(u.manager) : undefined;
    await createUser(
      ctx,
      actor,
      {
        dealerId: dealer.id,
        unitId: u.unit ? (units.get(u.unit)?.id ?? null) : (manager?.unitId ?? null),
        managerId: manager?.id ?? null,
        login: u.login,
        displayName: manager?.name ?? u.login,
        password: u.password,
        role: u.role,
      },
      { allowWeakPassword: true },
    );
    created.push(`user ${u.login}`);
  }
}

/** Imports a demo file when it would change something; a dry run first keeps a second start write-free. */
async function ensureImported(
  ctx: AppContext,
  actor: Actor,
  dealer: Dealer,
  demoDir: string,
  kind: 'managers' | 'online',
): Promise<ImportResult | null> {
  const file = path.join(demoDir, `${kind}.csv`);
  const bytes = await fs.readFile(file);
  const run = kind === 'managers' ? importManagersCsv : importOnlineCsv;
  const opts = { dealerId: dealer.id, fileName: path.relative(process.cwd(), file) || file };
  const preview = await run(ctx, actor, bytes, { ...opts, dryRun: true });
  if (preview.errors.length > 0) {
    throw new Error(`the demo file ${file} does not import:\n${preview.errors.map(formatIssue).join('\n')}`);
  }
  if (preview.counts.create + preview.counts.update + preview.counts.remove === 0) return null;
  return run(ctx, actor, bytes, opts);
}

/**
 * Imported clients land at the dealer's top level; the demo files stand for one dealer-wide list, so
 * each client is then placed in its first manager's unit, which lets the head and manager logins show
 * a realistic part of the fleet.
 */
async function placeClients(ctx: AppContext, actor: Actor, dealer: Dealer, managers: Map<string, Manager>) {
  const unitOfManager = new Map([...managers.values()].map((m) => [m.id, m.unitId]));
  let moved = 0;
  for (const c of await listClients(ctx, actor, { dealerId: dealer.id })) {
    if (c.unitId !== null) continue;
    const unitId = c.managerIds.map((id) => unitOfManager.get(id)).find((u) => u != null);
    if (unitId == null) continue;
    await updateClient(ctx, actor, c.id, { unitId });
    moved++;
  }
  return moved;
}

export async function seedDemo(
  ctx: AppContext,
  actor: Actor,
  demoDir: string = DEMO_DIR,
): Promise<DemoSeedReport> {
  const partial: Omit<DemoSeedReport, 'dealer'> = {
    uploadToken: null,
    created: [],
    imports: [],
    logins: DEMO_LOGINS,
  };
  const dealer = await ensureDealer(ctx, actor, partial);
  const units = await ensureUnits(ctx, actor, dealer, partial.created);
  const managers = await ensureManagers(ctx, actor, dealer, units, partial.created);
  await ensureUsers(ctx, actor, dealer, units, managers, partial.created);
  for (const kind of ['managers', 'online'] as const) {
    const result = await ensureImported(ctx, actor, dealer, demoDir, kind);
    if (result) partial.imports.push(result);
  }
  const moved = await placeClients(ctx, actor, dealer, managers);
  if (moved > 0) partial.created.push(`placed ${moved} clients in their managers' units`);
  return { dealer, ...partial };
}
