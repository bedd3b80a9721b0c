import type { AppContext } from '../../src/context.js';
import { createClient, type Client } from '../../src/inventory/clients.js';
import { createInstallation, type Installation } from '../../src/inventory/installations.js';
import { createOnlineAccess, type OnlineAccess } from '../../src/inventory/online.js';
import { createDealer, type Dealer } from '../../src/tenancy/dealers.js';
import { createManager, type Manager } from '../../src/tenancy/managers.js';
import { cliActor, type Actor } from '../../src/tenancy/scope.js';
import { actorOfUser, createUser, type User } from '../../src/tenancy/users.js';
import { createUnit, type OrgUnit } from '../../src/tenancy/units.js';

export interface DealerWorld {
  dealer: Dealer;
  uploadToken: string;
  branch1: OrgUnit;
  branch1dept: OrgUnit;
  branch2: OrgUnit;
  /** managers: m1 in branch1/dept, m2 in branch2 */
  m1: Manager;
  m2: Manager;
  /** c1 (of m1, in branch1/dept), c2 (of m2, in branch2), c3 (no manager, dealer top level) */
  c1: Client;
  c2: Client;
  c3: Client;
  i1: Installation;
  i2: Installation;
  i3: Installation;
  o1: OnlineAccess;
  o2: OnlineAccess;
  users: { admin: User; head1: User; headDept: User; manager1: User; viewer2: User };
  actors: { admin: Actor; head1: Actor; headDept: Actor; manager1: Actor; viewer2: Actor };
}

export const TEST_PASSWORD = 'correct horse battery';

/**
 * A dealer with two branches (one with a department), two managers, three clients with installations
 * and online accesses, and one user of each role. Used by the isolation tests.
 */
export async function buildDealerWorld(ctx: AppContext, code: string): Promise<DealerWorld> {
  const op = cliActor('test');
  const { dealer, uploadToken } = await createDealer(ctx, op, { code, name: `Dealer ${code}` });
  const branch1 = await createUnit(ctx, op, { dealerId: dealer.id, name: 'Branch 1' });
  const branch1dept = await createUnit(ctx, op, { dealerId: dealer.id, parentId: branch1.id, name: 'Dept' });
  const branch2 = await createUnit(ctx, op, { dealerId: dealer.id, name: 'Branch 2' });
  const m1 = await createManager(ctx, op, {
    dealerId: dealer.id,
    unitId: branch1dept.id,
    name: `Ivanov ${code}`,
    emails: [`ivanov@${code}.example`],
  });
  const m2 = await createManager(ctx, op, {
    dealerId: dealer.id,
    unitId: branch2.id,
    name: `Petrov ${code}`,
    emails: [`petrov@${code}.example`],
  });
  const c1 = await createClient(ctx, op, {
    dealerId: dealer.id,
    unitId: branch1dept.id,
    shortName: `alpha${code}`,
    managerIds: [m1.id],
  });
  const c2 = await createClient(ctx, op, {
    dealerId: dealer.id,
    unitId: branch2.id,
    shortName: `beta${code}`,
    managerIds: [m2.id],
  });
  const c3 = await createClient(ctx, op, { dealerId: dealer.id, shortName: `gamma${code}` });
  const i1 = await createInstallation(ctx, op, {
    clientId: c1.id,
    kind: 'agent',
    managers: [{ managerId: m1.id, email: `ivanov@${code}.example` }],
  });
  const i2 = await createInstallation(ctx, op, {
    clientId: c2.id,
    kind: 'polled',
    address: `${code}-beta.te-cloud.ru`,
    protocol: 'https',
    smartloginUser: 'smartlogin',
    smartloginPassword: 'sm-secret-pw',
    managers: [{ managerId: m2.id, email: `petrov@${code}.example` }],
  });
  const i3 = await createInstallation(ctx, op, { clientId: c3.id, kind: 'closed' });
  const o1 = await createOnlineAccess(ctx, op, {
    clientId: c1.id,
    login: `user1${code}`,
    password: 'online-secret-1',
    host: 'nps2.cntd.ru',
    folder: 'kodeks01',
    managers: [{ managerId: m1.id, email: `ivanov@${code}.example` }],
  });
  const o2 = await createOnlineAccess(ctx, op, {
    clientId: c2.id,
    login: `user2${code}`,
    password: 'online-secret-2',
    host: 'nps2.cntd.ru',
    folder: 'kodeks02',
  });
  const mk = (login: string, role: User['role'], extra: { unitId?: number; managerId?: number } = {}) =>
    createUser(ctx, op, {
      dealerId: dealer.id,
      login: `${login}.${code}`,
      password: TEST_PASSWORD,
      role,
      ...extra,
    });
  const users = {
    admin: await mk('admin', 'dealer-admin'),
    head1: await mk('head1', 'head', { unitId: branch1.id }),
    headDept: await mk('headdept', 'head', { unitId: branch1dept.id }),
    manager1: await mk('manager1', 'manager', { managerId: m1.id, unitId: branch1dept.id }),
    viewer2: await mk('viewer2', 'viewer', { unitId: branch2.id }),
  };
  const actors = {
    admin: await actorOfUser(ctx, users.admin),
    head1: await actorOfUser(ctx, users.head1),
    headDept: await actorOfUser(ctx, users.headDept),
    manager1: await actorOfUser(ctx, users.manager1),
    viewer2: await actorOfUser(ctx, users.viewer2),
  };
  return {
    dealer,
    uploadToken,
    branch1,
    branch1dept,
    branch2,
    m1,
    m2,
    c1,
    c2,
    c3,
    i1,
    i2,
    i3,
    o1,
    o2,
    users,
    actors,
  };
}
