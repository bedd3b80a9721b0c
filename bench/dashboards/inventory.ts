/**
 * The bench dealer's inventory, created through the app's own service functions (validation, manager
 * links, audit rows), as an administrator would through the API or a CSV import: org units, managers,
 * clients, installations and online accesses, and the two users the runner logs in as.
 */
import type { AppContext } from '../../src/context.js';
import { createClient } from '../../src/inventory/clients.js';
import { createInstallation } from '../../src/inventory/installations.js';
import { createOnlineAccess } from '../../src/inventory/online.js';
import { Rng } from '../../src/sim/kodeks/prng.js';
import { createDealer } from '../../src/tenancy/dealers.js';
import { createManager } from '../../src/tenancy/managers.js';
import { cliActor } from '../../src/tenancy/scope.js';
import { createUnit } from '../../src/tenancy/units.js';
import { createUser } from '../../src/tenancy/users.js';
import type { Scale } from './scale.js';

export const DEALER_CODE = 'bench';

/** The runner logs in as these: the widest scope a dealer user has, and one manager. */
export const BENCH_USERS = {
  admin: { login: 'bench-admin', password: 'bench-admin-password', role: 'dealer-admin' },
  manager: { login: 'bench-manager', password: 'bench-manager-password', role: 'manager' },
} as const;

/** Cloud ПК installations answer at `<regnum>.te-cloud.ru:80` in the existing service. */
const CLOUD_DOMAIN = 'te-cloud.ru';
/** DC servers the online accesses live on (the "servers" panel groups by them). */
const DC_HOSTS = ['dc1.kodeks.ru', 'dc2.kodeks.ru', 'dc3.kodeks.ru', 'online.techexpert.ru', 'dc.cntd.ru'];
const BRANCHES = ['Филиал Север', 'Филиал Юг', 'Филиал Центр'];
const DEPARTMENTS = ['Отдел сопровождения', 'Отдел продаж'];
/** Time zones of the fleet (minutes east of UTC), weighted towards Moscow as a real dealer's is. */
const OFFSETS: readonly (readonly [number, number])[] = [
  [180, 70],
  [240, 10],
  [300, 10],
  [420, 5],
  [120, 5],
];

export interface FleetInstallation {
  id: number;
  clientId: number;
  /** The client's short name. */
  client: string;
  unitId: number | null;
  kind: 'polled' | 'agent' | 'closed';
  /** The simulator seed of its ПК (profile, users, activity). */
  seed: number;
  utcOffsetMin: number;
  /** The legend text: `address:port` or the agent's client name. */
  host: string;
}

export interface FleetAccess {
  id: number;
  clientId: number;
  client: string;
  unitId: number | null;
  seed: number;
  host: string;
  folder: string;
  login: string;
  utcOffsetMin: number;
}

export interface Fleet {
  dealerId: number;
  installations: FleetInstallation[];
  accesses: FleetAccess[];
}

const op = cliActor('bench');
const pad = (n: number, w = 4) => String(n).padStart(w, '0');

/** Creates everything; `progress` is told every few hundred objects. */
export async function createInventory(
  ctx: AppContext,
  scale: Scale,
  progress: (msg: string) => void,
): Promise<Fleet> {
  const rng = new Rng(1, 'bench-inventory');
  const { dealer } = await createDealer(ctx, op, { code: DEALER_CODE, name: 'Бенчмарк-дилер' });

  // Branches with two departments each; managers sit in the departments, like the demo's.
  const units: number[] = [];
  for (const b of BRANCHES) {
    const branch = await createUnit(ctx, op, { dealerId: dealer.id, name: b });
    for (const d of DEPARTMENTS)
      units.push((await createUnit(ctx, op, { dealerId: dealer.id, parentId: branch.id, name: d })).id);
  }
  const managers: { id: number; unitId: number; email: string }[] = [];
  for (let i = 0; i < scale.managers; i += 1) {
    const unitId = units[i % units.length]!;
    const email = `manager${pad(i, 2)}@bench.example`;
    const m = await createManager(ctx, op, {
      dealerId: dealer.id,
      unitId,
      name: `Менеджер ${pad(i, 2)}`,
      emails: [email],
    });
    managers.push({ id: m.id, unitId, email });
  }

  // Clients round-robin over managers (so manager 0 has clients/managers of them); 1 in 10 has two.
  const clients: {
    id: number;
    unitId: number;
    shortName: string;
    links: { managerId: number; email: string }[];
  }[] = [];
  for (let i = 0; i < scale.clients; i += 1) {
    const main = managers[i % managers.length]!;
    const second = rng.chance(0.1) ? managers[(i * 7 + 3) % managers.length]! : null;
    const linked = second && second.id !== main.id ? [main, second] : [main];
    const shortName = `client${pad(i)}`;
    const c = await createClient(ctx, op, {
      dealerId: dealer.id,
      unitId: main.unitId,
      shortName,
      legalName: `ООО «Клиент ${pad(i)}»`,
      managerIds: linked.map((m) => m.id),
    });
    clients.push({
      id: c.id,
      unitId: main.unitId,
      shortName,
      links: linked.map((m) => ({ managerId: m.id, email: m.email })),
    });
    if ((i + 1) % 200 === 0) progress(`inventory: ${i + 1}/${scale.clients} clients`);
  }

  // Every client has one installation; the rest go to clients drawn at random (some have several).
  const installations: FleetInstallation[] = [];
  const perClient = new Map<number, number>();
  for (let i = 0; i < scale.installations; i += 1) {
    const c = i < clients.length ? clients[i]! : clients[rng.int(0, clients.length - 1)]!;
    const n = (perClient.get(c.id) ?? 0) + 1;
    perClient.set(c.id, n);
    const polled = rng.chance(scale.polledShare);
    const kind = polled ? 'polled' : rng.chance(0.08) ? 'closed' : 'agent';
    const utcOffsetMin = rng.weighted(OFFSETS);
    const seed = 10_000 + i;
    const address = `${100_000 + ((seed * 7919) % 900_000)}.${CLOUD_DOMAIN}`;
    const sourceName = n === 1 ? c.shortName : `${c.shortName}-${n}`;
    const inst = await createInstallation(ctx, op, {
      clientId: c.id,
      kind,
      utcOffsetMin,
      managers: c.links,
      ...(polled
        ? {
            address,
            port: 80,
            protocol: 'http' as const,
            smartloginUser: 'smartlogin',
            smartloginPassword: `sl-${seed}`,
          }
        : { sourceName }),
    });
    installations.push({
      id: inst.id,
      clientId: c.id,
      client: c.shortName,
      unitId: c.unitId,
      kind,
      seed,
      utcOffsetMin,
      host: polled ? `${address}:80` : sourceName,
    });
    if ((i + 1) % 250 === 0) progress(`inventory: ${i + 1}/${scale.installations} installations`);
  }

  // Online accesses: most clients one or two, a few firms many (a DC sells per workplace).
  const accesses: FleetAccess[] = [];
  for (let i = 0; i < scale.accesses; i += 1) {
    const c = clients[i < clients.length ? i : rng.int(0, clients.length - 1)]!;
    const host = DC_HOSTS[i % DC_HOSTS.length]!;
    const folder = `kodeks${pad((i % 7) + 1, 2)}`;
    const login = `${c.shortName}_u${pad(i)}`;
    const utcOffsetMin = rng.weighted(OFFSETS);
    const a = await createOnlineAccess(ctx, op, {
      clientId: c.id,
      login,
      password: `pw-${i}`,
      host,
      folder,
      utcOffsetMin,
      managers: c.links,
    });
    accesses.push({
      id: a.id,
      clientId: c.id,
      client: c.shortName,
      unitId: c.unitId,
      seed: 50_000 + i,
      host,
      folder,
      login,
      utcOffsetMin,
    });
    if ((i + 1) % 500 === 0) progress(`inventory: ${i + 1}/${scale.accesses} online accesses`);
  }

  await createUser(ctx, op, {
    dealerId: dealer.id,
    login: BENCH_USERS.admin.login,
    password: BENCH_USERS.admin.password,
    role: BENCH_USERS.admin.role,
  });
  await createUser(ctx, op, {
    dealerId: dealer.id,
    login: BENCH_USERS.manager.login,
    password: BENCH_USERS.manager.password,
    role: BENCH_USERS.manager.role,
    managerId: managers[0]!.id,
  });
  return { dealerId: dealer.id, installations, accesses };
}
